/**
 * Echo bot: logs in, goes Online, accepts every chat that rings and answers each visitor line with
 * "echo: …" until the chat ends.
 *
 *   npm run example:echo-bot
 *
 * Against `npm start` (the demo account) it needs no configuration; otherwise set PARLEY_URL,
 * PARLEY_ACCOUNT, PARLEY_USER and PARLEY_PASSWORD (see demo-credentials.ts). Stop it with Ctrl+C.
 */
import type { AgentChat } from '@parley/sdk';
import { demoServer } from './demo-credentials.js';
import { connectBot } from './run-bot.js';

const agent = await connectBot('echo-bot', {
  onError: (error) => console.error('keep-alive failed:', error),
});
await agent.setAvailability('Online');
console.log(`Online as user ${agent.userId ?? '?'} on account ${demoServer.accountId}; waiting for chats.`);

process.once('SIGINT', () => {
  agent
    .logout()
    .catch((error: unknown) => console.error('logout failed:', error))
    .finally(() => process.exit(0));
});

/** Echoes every visitor line written after this bot accepted the chat. */
async function echo(chat: AgentChat): Promise<void> {
  console.log(`chat ${chat.id}: accepted, visitor ${await chat.visitorName()}`);
  // A transferred chat comes with its history: answer only what follows this bot's acceptance.
  const accepted = (await chat.history()).findLast((event) => event.type === 'state' && event.state === 'chatting');
  for await (const event of chat.events({ from: (accepted?.id ?? -1) + 1 })) {
    if (event.type === 'line' && event.source === 'visitor') {
      console.log(`chat ${chat.id}: visitor says ${JSON.stringify(event.text)}`);
      await chat.sendLine(`echo: ${event.text ?? ''}`);
    }
  }
  console.log(`chat ${chat.id}: ended`);
}

for await (const ring of agent.rings()) {
  const chat = await ring.accept();
  if (chat !== null) echo(chat).catch((error: unknown) => console.error(`chat ${chat.id}:`, error));
}

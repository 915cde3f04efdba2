/**
 * Tip bot: listens to every chat of its skills (a shared chat's listener: the visitor never sees
 * it) and, when a visitor line matches its rules (tip-rules.ts: an order number, a refund request),
 * suggests a reply to the agent holding the chat. Its own session is Away: no chat is routed to it.
 *
 *   npm run example:tip-bot
 *
 * Defaults to the demo user `tip-bot` (who may listen to every skill); set PARLEY_URL,
 * PARLEY_ACCOUNT, PARLEY_USER and PARLEY_PASSWORD for another server or user (see
 * demo-credentials.ts). Stop it with Ctrl+C.
 */
import type { AgentChat } from '@parley/sdk';
import { connectBot } from './run-bot.js';
import { tipsFor } from './tip-rules.js';

const agent = await connectBot('tip-bot', {
  onError: (error) => console.error('tip-bot:', error),
});
await agent.setAvailability('Away');
const skills = (await agent.profile()).skills.map((skill) => skill.name);
console.log(`Listening as user ${agent.userId ?? '?'} to the chats of ${skills.join(', ') || 'no skill'}.`);

const stop = new AbortController();
process.once('SIGINT', () => {
  stop.abort();
  agent
    .logout()
    .catch((error: unknown) => console.error('logout failed:', error))
    .finally(() => process.exit(0));
});

/** Suggests replies to the visitor lines written from now on, until the chat ends or the bot leaves it. */
async function advise(chat: AgentChat): Promise<void> {
  // A chat already under way is joined with its history: tip only what is said from now on.
  const from = ((await chat.history()).at(-1)?.id ?? -1) + 1;
  console.log(`chat ${chat.id}: listening`);
  for await (const event of chat.events({ from })) {
    if (event.type !== 'line' || event.source !== 'visitor') continue;
    for (const tip of tipsFor(event.text ?? '')) {
      await chat.suggest(tip.reply, { note: tip.note });
      console.log(`chat ${chat.id}: suggested ${JSON.stringify(tip.reply)}`);
    }
  }
  console.log(`chat ${chat.id}: ended`);
}

for await (const chat of agent.listen({ skills, signal: stop.signal })) {
  // A chat transferred out of the bot's skills drops it: its feed then fails, the others go on.
  advise(chat).catch((error: unknown) => console.error(`chat ${chat.id}:`, error));
}

/**
 * Assist bot: accepts every invitation to assist in a chat, asks the visitor for the order number
 * (the visitor sees it under its own nickname), reports the number to the agents as a tip they
 * alone see, and leaves. Its own session is Away: no chat is routed to it.
 *
 *   npm run example:assist-bot
 *
 * Invite it from a chat in the agent workspace (or `chat.invite({ user: 'assist-bot' })` with the
 * SDK). Defaults to the demo user `assist-bot`; set PARLEY_URL, PARLEY_ACCOUNT, PARLEY_USER and
 * PARLEY_PASSWORD for another server or user (see demo-credentials.ts). Stop it with Ctrl+C.
 */
import type { Invitation } from '@parley/sdk';
import { ASSIST_GREETING, orderNumberAnswer, orderNumberTip } from './assist-rules.js';
import { demoServer } from './demo-credentials.js';
import { connectBot } from './run-bot.js';

const agent = await connectBot('assist-bot', {
  onError: (error) => console.error('assist-bot:', error),
});
await agent.setAvailability('Away');
console.log(`Waiting for invitations as user ${agent.userId ?? '?'} on account ${demoServer.accountId}.`);

process.once('SIGINT', () => {
  agent
    .logout()
    .catch((error: unknown) => console.error('logout failed:', error))
    .finally(() => process.exit(0));
});

/** Joins the chat, asks for the order number, tells the agents and leaves. */
async function assist(invitation: Invitation): Promise<void> {
  console.log(`chat ${invitation.chatId}: invited by ${invitation.invitedBy}`);
  const chat = await invitation.accept();
  // Only answers given after the question count.
  const from = ((await chat.history()).at(-1)?.id ?? -1) + 1;
  await chat.sendLine(ASSIST_GREETING);
  for await (const event of chat.events({ from })) {
    const orderNumber = orderNumberAnswer(event);
    if (orderNumber === undefined) continue;
    await chat.sendLine(orderNumberTip(orderNumber), { audience: 'agents' });
    console.log(`chat ${chat.id}: order number ${orderNumber}, leaving`);
    await chat.leave();
    return;
  }
  console.log(`chat ${chat.id}: ended before an order number came`);
}

for await (const invitation of agent.invitations()) {
  assist(invitation).catch((error: unknown) => console.error(`chat ${invitation.chatId}:`, error));
}

/**
 * Listener bot: logs in as an agent and reports what happens to that agent (rings, chats assigned
 * or gone) and every event of the chats it holds, in any of its sessions. It only reads: it accepts
 * nothing and sends nothing, and its own agent session is Away so no chat is routed to it (the
 * agent's other sessions keep their availability).
 *
 *   npm run example:listener-bot
 *
 * Defaults to the demo bot `echo-bot`: run it next to `npm run example:echo-bot` to watch the echo
 * bot's chats. Set PARLEY_URL, PARLEY_ACCOUNT, PARLEY_USER and PARLEY_PASSWORD for another server or
 * user (see demo-credentials.ts). Stop it with Ctrl+C.
 */
import type { AgentChat } from '@parley/sdk';
import { demoServer } from './demo-credentials.js';
import { connectBot } from './run-bot.js';

const agent = await connectBot('echo-bot', {
  onError: (error) => console.error('keep-alive failed:', error),
});
await agent.setAvailability('Away');
console.log(`Listening as user ${agent.userId ?? '?'} on account ${demoServer.accountId}.`);

process.once('SIGINT', () => {
  agent
    .logout()
    .catch((error: unknown) => console.error('logout failed:', error))
    .finally(() => process.exit(0));
});

const following = new Set<string>();

/** Prints every event of a chat until it ends (or goes to someone else). */
async function report(chat: AgentChat): Promise<void> {
  try {
    for await (const event of chat.events()) {
      const what =
        event.type === 'state'
          ? `state ${event.state ?? ''}`
          : `${event.source ?? ''} ${event.by ?? ''}: ${event.text ?? ''}`;
      console.log(`chat ${chat.id} #${event.id} ${what}`);
    }
  } catch (error) {
    console.log(`chat ${chat.id}: no longer readable (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    following.delete(chat.id);
  }
}

for await (const notification of agent.notifications()) {
  if (notification.type === 'availability') console.log(`this session's availability: ${notification.availability}`);
  if (notification.type === 'ring') {
    // What rings (a Parley server describes each chat), oldest first: the one an accept would take.
    const described = notification.ringing.map(
      (ring) =>
        `${ring.skill ?? 'any skill'} / ${ring.visitorName ?? 'unnamed visitor'}, waiting ${Math.round(ring.waitedMs / 1000)} s`,
    );
    console.log(`ringing: ${notification.ringingCount}${described.length > 0 ? ` (${described.join('; ')})` : ''}`);
  }
  if (notification.type === 'chat') {
    console.log(`chat ${notification.chatId}: ${notification.state}`);
    if (notification.state === 'chatting' && !following.has(notification.chatId)) {
      following.add(notification.chatId);
      void report(agent.chat(notification.chatId));
    }
  }
}

import type { Clock, Store } from '../ports.js';
import { stateEvent, systemLine, endedChat } from './chat-events.js';
import { ChatState } from './chat-model.js';
import type { TouchBuffer } from './touch-buffer.js';
import type { ChatWriter } from './chat-writer.js';

/**
 * Acts on due times stored with the chats (server-chat §4.5, platform §6.4): a waiting chat past
 * its request's `maxWaitTime` ends with system line 2; a chat without a visitor request for
 * `chatTimeout` seconds ends with system line 6. The due times are in the store, so a restarted
 * server ends what came due while it was down on its first run.
 */
export function createChatTimers({
  store,
  clock,
  writer,
  touches,
  route,
}: {
  store: Store;
  clock: Clock;
  writer: ChatWriter;
  touches: TouchBuffer;
  route: (accountId: string) => Promise<void>;
}) {
  return {
    /**
     * Ends every chat that is due now; returns how many it ended. The requests this node recorded
     * are written first, so none of its chats is judged on an older deadline (other nodes flush
     * each second, and write a touch at once when its chat's deadline is near: touch-buffer.ts).
     */
    async runDue(batch = 100): Promise<number> {
      await touches.flush();
      let ended = 0;
      const touched = new Set<string>();
      for (;;) {
        const due = await store.chats.due(clock.now(), batch);
        let endedInBatch = 0;
        for (const candidate of due) {
          const account = await store.accounts.get(candidate.accountId);
          if (account === undefined) continue;
          const result = await writer
            .change(candidate.accountId, candidate.id, (chat, now) => {
              // Re-checked under the lock: a visitor request may have moved the due time meanwhile.
              const waitedOut = chat.state === ChatState.WAITING && chat.waitDueAt !== null && chat.waitDueAt <= now;
              const idle = chat.idleDueAt !== null && chat.idleDueAt <= now;
              if (chat.state === ChatState.ENDED || (!waitedOut && !idle)) return { chat, events: [] };
              return {
                chat: endedChat(chat, account, now),
                events: [systemLine(account, waitedOut ? 2 : 6, now), stateEvent(ChatState.ENDED, now)],
              };
            })
            .catch(() => undefined);
          if (result !== undefined && result.events.length > 0) {
            touched.add(candidate.accountId);
            ended += 1;
            endedInBatch += 1;
          }
        }
        // A full batch that ended nothing would come back the same: stop rather than spin.
        if (due.length < batch || endedInBatch === 0) {
          for (const accountId of touched) await route(accountId);
          return ended;
        }
      }
    },
  };
}

export type ChatTimers = ReturnType<typeof createChatTimers>;

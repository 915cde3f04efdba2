import { useEffect, useState } from 'react';
import { ParleyError, type AgentClient, type LiveChat } from '@parley/sdk';
import { describeError, isLoginGone } from './errors.js';

/** The account's live chats as the supervisor view shows them. */
export type LiveChats =
  /** Not known yet: the view stays hidden until the server says this user may listen. */
  | { status: 'loading' }
  /** The user may not listen to chats (403): there is no view. */
  | { status: 'forbidden' }
  | { status: 'ready'; chats: readonly LiveChat[]; problem: string | undefined };

const RETRY_MS = 5_000;

/**
 * Follows the account's waiting and in-progress chats (`liveChats`, docs/SHARED-CHATS.md) for as
 * long as the component lives: the whole list once, then each change. A 403 means the user holds
 * no listen permission; it is final for this login. Other failures keep the last list, say so,
 * and follow again after a pause.
 */
export function useLiveChats(agent: AgentClient, onLoginGone: (error: unknown) => void): LiveChats {
  const [state, setState] = useState<LiveChats>({ status: 'loading' });

  useEffect(() => {
    const stop = new AbortController();
    const { signal } = stop;
    void (async () => {
      // By chat id, in the order the server listed them (oldest first); changes keep their place.
      let chats = new Map<string, LiveChat>();
      const show = () => setState({ status: 'ready', chats: [...chats.values()], problem: undefined });
      while (!signal.aborted) {
        try {
          for await (const update of agent.liveChats({ signal })) {
            if (update.type === 'synced') chats = new Map(update.chats.map((chat) => [chat.chatId, chat]));
            else if (update.type === 'chat') chats.set(update.chat.chatId, update.chat);
            else chats.delete(update.chatId);
            show();
          }
          return;
        } catch (error) {
          if (signal.aborted) return;
          if (isLoginGone(error)) {
            onLoginGone(error);
            return;
          }
          if (error instanceof ParleyError && error.status === 403) {
            setState({ status: 'forbidden' });
            return;
          }
          const problem = `Live chats are not updating: ${describeError(error)} Retrying…`;
          setState((known) =>
            known.status === 'ready' ? { ...known, problem } : { status: 'ready', chats: [], problem },
          );
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    })();
    return () => stop.abort();
  }, [agent, onLoginGone]);

  return state;
}

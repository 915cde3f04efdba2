import { useEffect, useRef, useState } from 'react';
import { ParleyError, type AgentClient, type LiveChat } from '@parley/sdk';
import { describeError, isLoginGone } from './errors.js';

/** The account's live chats as the supervisor view shows them. */
export type LiveChats =
  /** Not known yet: the view stays hidden until the server says this user may listen. */
  | { status: 'loading' }
  /** The user may not listen to chats (403), or the server has no live chats (404): no view. */
  | { status: 'unavailable' }
  | { status: 'ready'; chats: readonly LiveChat[]; problem: string | undefined };

const RETRY_MS = 5_000;

/** Answers that mean "no live chats for this user here", for as long as this login lasts. */
const isUnavailable = (error: unknown): boolean =>
  error instanceof ParleyError && (error.status === 403 || error.status === 404);

/**
 * The account's waiting and in-progress chats (`liveChats`, docs/SHARED-CHATS.md). Read once to
 * learn whether the user may listen at all; followed live (the whole list, then each change) only
 * while `isFollowing`, the view being on screen: a browser has few connections per server, and
 * every open chat already holds one. Failures other than a refusal keep the last list, say so, and
 * are retried after a pause.
 */
export function useLiveChats(
  agent: AgentClient,
  isFollowing: boolean,
  onLoginGone: (error: unknown) => void,
): LiveChats {
  const [state, setState] = useState<LiveChats>({ status: 'loading' });
  const isUnavailableHere = useRef(false);

  useEffect(() => {
    if (isUnavailableHere.current) return;
    const stop = new AbortController();
    const { signal } = stop;
    // By chat id, in the order the server listed them (oldest first); changes keep their place.
    let chats = new Map<string, LiveChat>();
    const show = () => setState({ status: 'ready', chats: [...chats.values()], problem: undefined });
    const follow = async () => {
      if (!isFollowing) {
        const listed = await agent.listLiveChats();
        if (signal.aborted) return;
        chats = new Map(listed.map((chat) => [chat.chatId, chat]));
        show();
        return;
      }
      for await (const update of agent.liveChats({ signal })) {
        if (update.type === 'synced') chats = new Map(update.chats.map((chat) => [chat.chatId, chat]));
        else if (update.type === 'chat') chats.set(update.chat.chatId, update.chat);
        else chats.delete(update.chatId);
        show();
      }
    };
    void (async () => {
      while (!signal.aborted) {
        try {
          await follow();
          return;
        } catch (error) {
          if (signal.aborted) return;
          if (isLoginGone(error)) {
            onLoginGone(error);
            return;
          }
          if (isUnavailable(error)) {
            isUnavailableHere.current = true;
            setState({ status: 'unavailable' });
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
  }, [agent, isFollowing, onLoginGone]);

  return state;
}

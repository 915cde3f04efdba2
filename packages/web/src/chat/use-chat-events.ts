import { useEffect, useState } from 'react';
import type { ChatEvent, VisitorClient } from '@parley/sdk';

/** What the visitor's view of a chat is made of, as its events arrive. */
export interface ChatFeed {
  /** The lines, in id order, each once. */
  lines: ChatEvent[];
  /** The latest state: `waiting` until an agent accepts (server-chat §4.1). */
  state: string;
  /** The id of the latest `chatting` event: changes when an agent (re)joins, e.g. after a transfer. */
  chattingSince: number | undefined;
  /** Why the feed stopped early, if it did. */
  error: unknown;
}

/** Adds a line unless its id is already there (a resumed stream or a remount may repeat one). */
function withLine(lines: ChatEvent[], line: ChatEvent): ChatEvent[] {
  if (lines.some((known) => known.id === line.id)) return lines;
  const next = [...lines, line];
  // Ids are sequential within a chat (server-chat §4.2): sorting keeps the transcript in order.
  return lines.length > 0 && lines[lines.length - 1]!.id > line.id ? next.sort((a, b) => a.id - b.id) : next;
}

/** Follows `chat.events()` for as long as the component lives, until the chat's `ended` event. */
export function useChatEvents(chat: VisitorClient): ChatFeed {
  const [feed, setFeed] = useState<ChatFeed>({
    lines: [],
    state: 'waiting',
    chattingSince: undefined,
    error: undefined,
  });

  useEffect(() => {
    const controller = new AbortController();
    const follow = async () => {
      try {
        for await (const event of chat.events({ signal: controller.signal })) {
          setFeed((current) => {
            if (event.type === 'line') return { ...current, lines: withLine(current.lines, event) };
            if (event.type !== 'state' || event.state === undefined) return current;
            return {
              ...current,
              state: event.state,
              chattingSince: event.state === 'chatting' ? event.id : current.chattingSince,
            };
          });
        }
        // The feed also ends when the chat is found ended without its event (e.g. already expired).
        if (!controller.signal.aborted) setFeed((current) => ({ ...current, state: 'ended' }));
      } catch (error) {
        if (!controller.signal.aborted) setFeed((current) => ({ ...current, error }));
      }
    };
    void follow();
    return () => controller.abort();
  }, [chat]);

  return feed;
}

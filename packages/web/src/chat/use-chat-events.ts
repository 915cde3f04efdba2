import { useEffect, useState } from 'react';
import type { ChatEvent, VisitorClient } from '@parley/sdk';
import { isGone, isOutage, pause, reconnectDelayMs } from './reconnect.js';

/** What the visitor's view of a chat is made of, as its events arrive. */
export interface ChatFeed {
  /** The lines, in id order, each once. */
  lines: ChatEvent[];
  /** The latest state: `waiting` until an agent accepts (server-chat §4.1). */
  state: string;
  /** The id of the latest `chatting` event: changes when an agent (re)joins, e.g. after a transfer. */
  chattingSince: number | undefined;
  /** Why the feed stopped for good, if it did: an answer no retry changes (401, 403…). */
  error: unknown;
}

/** Adds a line unless its id is already there (a resumed stream or a remount may repeat one). */
function withLine(lines: ChatEvent[], line: ChatEvent): ChatEvent[] {
  if (lines.some((known) => known.id === line.id)) return lines;
  const next = [...lines, line];
  // Ids are sequential within a chat (server-chat §4.2): sorting keeps the transcript in order.
  return lines.length > 0 && lines[lines.length - 1]!.id > line.id ? next.sort((a, b) => a.id - b.id) : next;
}

/**
 * Follows `chat.events()` for as long as the component lives, until the chat's `ended` event or the
 * server saying the chat is gone (404). An outage (no answer, 5xx) never ends the chat here: the
 * feed picks up after the last event it had, again and again, until Parley answers.
 */
export function useChatEvents(chat: VisitorClient): ChatFeed {
  const [feed, setFeed] = useState<ChatFeed>({
    lines: [],
    state: 'waiting',
    chattingSince: undefined,
    error: undefined,
  });

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    let from = 0;
    let failures = 0;
    const follow = async () => {
      for (;;) {
        try {
          for await (const event of chat.events({ from, signal })) {
            from = event.id + 1;
            failures = 0;
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
          if (!signal.aborted) setFeed((current) => ({ ...current, state: 'ended' }));
          return;
        } catch (error) {
          if (signal.aborted) return;
          if (isGone(error)) {
            setFeed((current) => ({ ...current, state: 'ended' }));
            return;
          }
          if (!isOutage(error)) {
            setFeed((current) => ({ ...current, error }));
            return;
          }
          // The window says "reconnecting" from what connectionMonitor sees; here, only try again.
          console.warn('Chat events: no answer, trying again', error);
          if (!(await pause(reconnectDelayMs(failures), signal))) return;
          failures += 1;
        }
      }
    };
    void follow();
    return () => controller.abort();
  }, [chat]);

  return feed;
}

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { newIdempotencyKey, type ChatEvent, type VisitorClient } from '@parley/sdk';
import { isOutage, pause, reconnectDelayMs } from './reconnect.js';
import { loadUnsentLines, saveUnsentLines } from './unsent-lines.js';

/** A line the visitor wrote that the transcript does not show from the server yet. */
export interface PendingLine {
  /** This window's own number for it (a React key). */
  id: number;
  text: string;
  /** One Idempotency-Key for every attempt, the SDK's and the window's: the line is stored once. */
  key: string;
  /** `sending`: on its way; `waiting`: no answer, tried again shortly; `sent`: stored, as `eventId`. */
  status: 'sending' | 'waiting' | 'sent';
  eventId?: number;
  /**
   * The last event id the transcript had when the line was queued (none for a line restored after a
   * reload): a visitor line with its text after that, which no other line of ours was answered
   * with, is this one, stored and shown before the answer to its POST arrived.
   */
  after?: number;
}

/**
 * The visitor's lines on their way, in order, one at a time: a line typed while another is in
 * flight waits its turn, and one typed while Parley does not answer waits for it to come back (the
 * SDK's retries, then the window's own, for as long as the window is open). A line the server
 * refuses (the chat ended, too long…) leaves the queue through `onRefused`.
 */
export function useOutbox(
  chat: VisitorClient,
  lines: readonly ChatEvent[],
  onRefused: (error: unknown, text: string) => void,
) {
  // Lines a reload interrupted come first, with their keys.
  const [restored] = useState(() =>
    loadUnsentLines(chat.id).map((line, index): PendingLine => ({ ...line, id: index + 1, status: 'sending' })),
  );
  const [queue, setQueue] = useState<PendingLine[]>(restored);
  // The worker reads and changes the queue between renders; the state copy is what is shown.
  const current = useRef<PendingLine[]>(restored);
  const isRunning = useRef(false);
  const nextId = useRef(restored.length + 1);
  const controller = useRef(new AbortController());
  /** Every event id one of our POSTs was answered with: those lines are not another's. */
  const claimed = useRef(new Set<number>());
  const lastEventId = useRef(-1);
  lastEventId.current = lines.at(-1)?.id ?? -1;
  const refused = useRef(onRefused);
  useEffect(() => {
    refused.current = onRefused;
  });

  useEffect(() => {
    const own = new AbortController();
    controller.current = own;
    return () => own.abort();
  }, [chat]);

  const update = useCallback(
    (next: PendingLine[]) => {
      current.current = next;
      setQueue(next);
      saveUnsentLines(
        chat.id,
        next.filter((line) => line.status !== 'sent').map(({ text, key }) => ({ text, key })),
      );
    },
    [chat],
  );
  const change = useCallback(
    (id: number, patch: Partial<PendingLine>) =>
      update(current.current.map((line) => (line.id === id ? { ...line, ...patch } : line))),
    [update],
  );

  const run = useCallback(async () => {
    if (isRunning.current) return;
    isRunning.current = true;
    try {
      for (;;) {
        const line = current.current.find((pending) => pending.status !== 'sent');
        if (line === undefined) return;
        for (let failures = 0; ; failures += 1) {
          // Read per attempt: a remount (React's StrictMode does one) replaces the controller.
          const { signal } = controller.current;
          try {
            const eventId = await chat.sendLine(line.text, { idempotencyKey: line.key, signal });
            claimed.current.add(eventId);
            change(line.id, { status: 'sent', eventId });
            break;
          } catch (error) {
            if (signal.aborted) {
              // Gone for good, or remounted: then the same line again, with the same key.
              if (controller.current.signal.aborted) return;
              continue;
            }
            if (!isOutage(error)) {
              update(current.current.filter((pending) => pending.id !== line.id));
              refused.current(error, line.text);
              break;
            }
            change(line.id, { status: 'waiting' });
            const hasWaited = await pause(reconnectDelayMs(failures), signal);
            if (!hasWaited && controller.current.signal.aborted) return;
            change(line.id, { status: 'sending' });
          }
        }
      }
    } finally {
      isRunning.current = false;
    }
  }, [chat, change, update]);

  // Restored lines go out as soon as the window is up.
  useEffect(() => {
    if (current.current.some((line) => line.status !== 'sent')) void run();
  }, [run]);

  const send = useCallback(
    (text: string) => {
      update([
        ...current.current,
        { id: nextId.current++, text, key: newIdempotencyKey(), status: 'sending', after: lastEventId.current },
      ]);
      void run();
    },
    [run, update],
  );

  // A sent line leaves the queue once the transcript shows it (its event may come a moment later).
  // Never both at once: in the render where its event arrives, the pending copy is already left out.
  const shown = useMemo(() => new Set(lines.map((line) => line.id)), [lines]);
  const isShown = useCallback(
    (line: PendingLine) =>
      line.status === 'sent' && (line.eventId === undefined || line.eventId < 0 || shown.has(line.eventId)),
    [shown],
  );
  useEffect(() => {
    if (current.current.some(isShown)) update(current.current.filter((line) => !isShown(line)));
  }, [isShown, queue, update]);
  // The line in flight may be stored, and its event shown, before its POST is answered: then only
  // the transcript's copy shows (lines go one at a time, so only the first unsent one can be).
  const inFlight = queue.find((line) => line.status !== 'sent');
  const isStoredAhead = useMemo(() => {
    if (inFlight?.after === undefined) return false;
    const { text, after } = inFlight;
    return lines.some(
      (line) =>
        line.id > after &&
        line.type === 'line' &&
        line.source === 'visitor' &&
        line.text === text &&
        !claimed.current.has(line.id),
    );
  }, [inFlight, lines]);
  const pending = useMemo(
    () => queue.filter((line) => !isShown(line) && !(isStoredAhead && line === inFlight)),
    [queue, isShown, isStoredAhead, inFlight],
  );

  return { pending, send };
}

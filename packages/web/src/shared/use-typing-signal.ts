import { useCallback, useEffect, useRef } from 'react';

/** Typing counts as stopped after this long without a keystroke. */
const IDLE_MS = 3_000;

/**
 * One side's typing indicator (server-chat §3.14, chat-agent-api §3.20): `true` at the first
 * keystroke, `false` after 3 s without one, on `stop()` (a line sent) and when the component goes
 * away. Only changes are sent, not every keystroke. `send` handles its own failures.
 */
export function useTypingSignal(send: (isTyping: boolean) => void): { onKeystroke(): void; stop(): void } {
  // The latest `send`, so that the callbacks below keep their identity across renders.
  const latest = useRef(send);
  useEffect(() => {
    latest.current = send;
  });
  const isTyping = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const stop = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = undefined;
    if (!isTyping.current) return;
    isTyping.current = false;
    latest.current(false);
  }, []);

  const onKeystroke = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(stop, IDLE_MS);
    if (isTyping.current) return;
    isTyping.current = true;
    latest.current(true);
  }, [stop]);

  useEffect(() => stop, [stop]);

  return { onKeystroke, stop };
}

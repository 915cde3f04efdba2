/** Typing counts as stopped after this long without a keystroke. */
export const TYPING_IDLE_MS = 3_000;

/**
 * While keystrokes continue, "typing" is said again this often: the server forgets a flag not
 * renewed within 10 s (docs/LEGACY-QUIRKS.md), so that one left set by a side that went away
 * mid-word (a reload, a closed tab) does not linger. Not on every keystroke: one request per
 * few seconds.
 */
export const TYPING_RENEW_MS = 4_000;

/** The clock and timer the signal uses; the browser's by default, a test's own in tests. */
export interface TypingTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const browserTimers: TypingTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * One side's typing indicator without React (use-typing-signal.ts wraps it): `true` at the first
 * keystroke and again every TYPING_RENEW_MS while keystrokes continue, `false` after
 * TYPING_IDLE_MS without one and on `stop()`.
 */
export function createTypingSignal(send: (isTyping: boolean) => void, timers: TypingTimers = browserTimers) {
  let isTyping = false;
  let lastSentAt = 0;
  let idle: unknown;

  const stop = (): void => {
    if (idle !== undefined) timers.clearTimeout(idle);
    idle = undefined;
    if (!isTyping) return;
    isTyping = false;
    send(false);
  };

  const onKeystroke = (): void => {
    if (idle !== undefined) timers.clearTimeout(idle);
    idle = timers.setTimeout(stop, TYPING_IDLE_MS);
    const now = timers.now();
    if (isTyping && now - lastSentAt < TYPING_RENEW_MS) return;
    isTyping = true;
    lastSentAt = now;
    send(true);
  };

  return { onKeystroke, stop };
}

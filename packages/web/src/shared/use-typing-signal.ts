import { useEffect, useRef, useState } from 'react';
import { createTypingSignal } from './typing-signal.js';

/**
 * One side's typing indicator (server-chat §3.14, chat-agent-api §3.20): `true` at the first
 * keystroke and renewed every few seconds while keystrokes continue (the server forgets a flag not
 * renewed: typing-signal.ts), `false` after 3 s without one, on `stop()` (a line sent) and when the
 * component goes away. Not every keystroke is sent. `send` handles its own failures.
 */
export function useTypingSignal(send: (isTyping: boolean) => void): { onKeystroke(): void; stop(): void } {
  // The latest `send`, so that the signal below keeps its identity across renders.
  const latest = useRef(send);
  useEffect(() => {
    latest.current = send;
  });
  const [signal] = useState(() => createTypingSignal((isTyping) => latest.current(isTyping)));

  useEffect(() => signal.stop, [signal]);

  return signal;
}

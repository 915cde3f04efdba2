import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { VisitorClient } from '@parley/sdk';
import { useTypingSignal } from '../shared/use-typing-signal.js';

/** The longest line the server takes from a visitor (src/http/visitor-api/chat-schemas.ts). */
export const MAX_LINE_LENGTH = 10_000;
/** The counter shows from here on: within 10 % of the limit. */
const COUNTER_FROM = MAX_LINE_LENGTH - MAX_LINE_LENGTH / 10;

interface ComposerProps {
  chat: VisitorClient;
  /** Lines are refused until an agent has joined (server-chat §3.11: 400, internalCode 5). */
  isEnabled: boolean;
  /** Queues a line (useOutbox): it goes out in order, however long Parley takes to answer. */
  onSend(line: string): void;
  /** A refused line handed back: it returns to the box unless the visitor has started another. */
  restored: { text: string } | undefined;
}

/** The message box pinned under the transcript: Enter sends, Shift+Enter starts a new line. */
export function Composer({ chat, isEnabled, onSend, restored }: ComposerProps) {
  const [text, setText] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const counterId = useId();
  // The indicator is a nicety: a failure must not disturb the visitor.
  const typing = useTypingSignal((isTyping) => void chat.setTyping(isTyping).catch(() => undefined));

  useEffect(() => {
    if (restored !== undefined) setText((current) => (current === '' ? restored.text : current));
  }, [restored]);

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    const line = text.trim();
    if (line === '' || !isEnabled) return;
    typing.stop();
    // Queued, never dropped: a line typed while the previous one is on its way waits its turn.
    onSend(line);
    setText('');
    box.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition (Japanese, Chinese…) must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  const left = MAX_LINE_LENGTH - text.length;
  return (
    <form className="composer" onSubmit={send}>
      <textarea
        ref={box}
        aria-label="Message"
        // Arabic or Hebrew typed here runs right to left, as it will in the transcript.
        dir="auto"
        placeholder={isEnabled ? 'Write a message…' : 'Waiting for an agent…'}
        rows={1}
        value={text}
        maxLength={MAX_LINE_LENGTH}
        aria-describedby={text.length >= COUNTER_FROM ? counterId : undefined}
        disabled={!isEnabled}
        onChange={(event) => {
          // maxLength stops typing; a paste is cut here too, so the server never refuses a line's length.
          const value = event.target.value.slice(0, MAX_LINE_LENGTH);
          setText(value);
          if (value !== '') typing.onKeystroke();
          else typing.stop();
        }}
        onKeyDown={onKeyDown}
      />
      {text.length >= COUNTER_FROM && (
        <span id={counterId} className={`char-counter${left === 0 ? ' at-limit' : ''}`} aria-live="polite">
          {left === 1 ? '1 character left' : `${left} characters left`}
        </span>
      )}
      <button type="submit" className="send-button" disabled={!isEnabled || text.trim() === ''}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M3.4 20.4 21 12 3.4 3.6l-.1 6.5L15 12 3.3 13.9z" fill="currentColor" />
        </svg>
        <span className="visually-hidden">Send</span>
      </button>
    </form>
  );
}

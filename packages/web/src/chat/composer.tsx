import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { VisitorClient } from '@parley/sdk';
import { useTypingSignal } from '../shared/use-typing-signal.js';

interface ComposerProps {
  chat: VisitorClient;
  /** Lines are refused until an agent has joined (server-chat §3.11: 400, internalCode 5). */
  isEnabled: boolean;
  onError(error: unknown): void;
}

/** The message box pinned under the transcript: Enter sends, Shift+Enter starts a new line. */
export function Composer({ chat, isEnabled, onError }: ComposerProps) {
  const [text, setText] = useState('');
  const [isSending, setIsSending] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  // The indicator is a nicety: a failure must not disturb the visitor.
  const typing = useTypingSignal((isTyping) => void chat.setTyping(isTyping).catch(() => undefined));

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const line = text.trim();
    if (line === '' || !isEnabled || isSending) return;
    typing.stop();
    // Cleared at once so the window feels instant; put back if the line is refused.
    setText('');
    setIsSending(true);
    try {
      await chat.sendLine(line);
      onError(undefined);
    } catch (error) {
      setText((current) => (current === '' ? line : current));
      onError(error);
    } finally {
      setIsSending(false);
      box.current?.focus();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition (Japanese, Chinese…) must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form className="composer" onSubmit={(event) => void send(event)}>
      <textarea
        ref={box}
        aria-label="Message"
        placeholder={isEnabled ? 'Write a message…' : 'Waiting for an agent…'}
        rows={1}
        value={text}
        disabled={!isEnabled}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value !== '') typing.onKeystroke();
          else typing.stop();
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="send-button" disabled={!isEnabled || isSending || text.trim() === ''}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M3.4 20.4 21 12 3.4 3.6l-.1 6.5L15 12 3.3 13.9z" fill="currentColor" />
        </svg>
        <span className="visually-hidden">Send</span>
      </button>
    </form>
  );
}

import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTypingSignal } from '../shared/use-typing-signal.js';
import type { ChatSession } from './chat-session.js';
import { describeError, isLoginGone } from './errors.js';

/** The reply box: Enter sends, Shift+Enter starts a new line; optionally as HTML. */
export function Composer({ session }: { session: ChatSession }) {
  const id = useId();
  const [text, setTextState] = useState(session.draft.text);
  const [isHtml, setHtmlState] = useState(session.draft.isHtml);
  // Every change is kept in the session too: the panel unmounts when another tab is selected.
  const setText = (value: string) => {
    session.draft.text = value;
    setTextState(value);
  };
  const setHtml = (value: boolean) => {
    session.draft.isHtml = value;
    setHtmlState(value);
  };
  const [isSending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const typing = useTypingSignal((isTyping) => {
    session.chat.setTyping(isTyping).catch((error: unknown) => {
      if (isLoginGone(error)) session.onLoginGone(error);
      // Otherwise the indicator is only a courtesy: a lost update is not worth a message.
    });
  });

  const send = async () => {
    if (text.trim() === '' || isSending) return;
    typing.stop();
    setSending(true);
    setProblem(undefined);
    try {
      await session.chat.sendLine(text, { html: isHtml });
      setText('');
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      // The draft stays in the box, so nothing typed is lost.
      else setProblem(`Not sent: ${describeError(error)}`);
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an input method is composing: its Enter picks a candidate.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      {problem !== undefined && (
        <p className="inline-problem" role="alert">
          {problem}
        </p>
      )}
      <label htmlFor={`${id}-message`} className="visually-hidden">
        Message
      </label>
      <textarea
        id={`${id}-message`}
        className="composer-input"
        value={text}
        rows={3}
        placeholder={isHtml ? 'Reply with HTML, e.g. <b>bold</b>…' : 'Type your reply…'}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value !== '') typing.onKeystroke();
          else typing.stop();
        }}
        onKeyDown={onKeyDown}
        onBlur={typing.stop}
      />
      <div className="composer-bar">
        <label className="checkbox">
          <input type="checkbox" checked={isHtml} onChange={(event) => setHtml(event.target.checked)} />
          HTML
        </label>
        <span className="composer-hint" aria-hidden="true">
          Enter to send · Shift+Enter for a new line
        </span>
        <button type="submit" className="primary" disabled={isSending || text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}

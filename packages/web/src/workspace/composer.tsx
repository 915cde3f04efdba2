import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTypingSignal } from '../shared/use-typing-signal.js';
import { CardComposer } from './card-composer.js';
import type { ChatSession } from './chat-session.js';
import { describeError, isLoginGone } from './errors.js';
import type { ChatRole } from './participants.js';

interface ComposerProps {
  session: ChatSession;
  /** A listener only whispers to agents; an assistant and the holder choose. */
  role: ChatRole;
  /** Bumped when text was put in the draft from outside (a suggested reply): it is shown and focused. */
  draftRevision: number;
}

/**
 * The reply box: Enter sends, Shift+Enter starts a new line; optionally as HTML, and optionally to
 * agents only (a note, or a participant's whisper: `ONLY_TO_REP`, never shown to the visitor).
 */
export function Composer({ session, role, draftRevision }: ComposerProps) {
  const id = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  const [text, setTextState] = useState(session.draft.text);
  const [isHtml, setHtmlState] = useState(session.draft.isHtml);
  const [isAgentOnlyChoice, setAgentOnlyState] = useState(session.draft.isAgentOnly);
  // A listener may post nothing the visitor sees (docs/SHARED-CHATS.md): the choice is fixed.
  const isListener = role === 'listener';
  const isAgentOnly = isListener || isAgentOnlyChoice;
  const isHolder = role === 'holder';
  // Every change is kept in the session too: the panel unmounts when another tab is selected.
  const setText = (value: string) => {
    session.draft.text = value;
    session.draftChanged();
    setTextState(value);
  };
  const setHtml = (value: boolean) => {
    session.draft.isHtml = value;
    session.draftChanged();
    setHtmlState(value);
  };
  const setAgentOnly = (value: boolean) => {
    session.draft.isAgentOnly = value;
    session.draftChanged();
    setAgentOnlyState(value);
  };

  // A suggested reply was put in the draft: show it, ready to edit and send to the visitor.
  const shownRevision = useRef(draftRevision);
  useEffect(() => {
    if (draftRevision === shownRevision.current) return;
    shownRevision.current = draftRevision;
    setTextState(session.draft.text);
    // A suggested reply is for the visitor.
    session.draft.isAgentOnly = false;
    setAgentOnlyState(false);
    input.current?.focus();
  }, [draftRevision, session]);

  const [isCardOpen, setCardOpen] = useState(false);
  // Lines on their way, in order: Enter takes the line out of the box at once, so a second Enter
  // (another line, typed while the first is sending) queues behind it rather than being dropped.
  const outbox = useRef<OutgoingLine[]>([]);
  const isDraining = useRef(false);
  const lineKeys = useRef(0);
  const [sending, setSending] = useState<readonly OutgoingLine[]>([]);
  const [problem, setProblem] = useState<string | undefined>();
  const typing = useTypingSignal((isTyping) => {
    // Only the holder's typing is shown to the visitor; participants may not set it (403).
    if (!session.isHolder) return;
    session.chat.setTyping(isTyping).catch((error: unknown) => {
      if (isLoginGone(error)) session.onLoginGone(error);
      // Otherwise the indicator is only a courtesy: a lost update is not worth a message.
    });
  });

  // The box's text as the latest render saw it: the outbox puts unsent lines back in front of it.
  const textNow = useRef(text);
  textNow.current = text;

  /** Sends the queued lines one at a time, in order; on a failure the unsent ones go back in the box. */
  const drain = async () => {
    if (isDraining.current) return;
    isDraining.current = true;
    try {
      for (let line = outbox.current[0]; line !== undefined; line = outbox.current[0]) {
        try {
          await session.chat.sendLine(line.text, {
            html: line.isHtml,
            audience: line.isAgentOnly ? 'agents' : 'visitor',
          });
          outbox.current = outbox.current.slice(1);
          setSending(outbox.current);
        } catch (error) {
          const unsent = outbox.current;
          outbox.current = [];
          setSending([]);
          // Nothing typed is lost: the unsent lines come back into the box, before what was typed since.
          setText([...unsent.map((queued) => queued.text), textNow.current].filter((part) => part !== '').join('\n'));
          if (isLoginGone(error)) session.onLoginGone(error);
          else setProblem(`Not sent: ${describeError(error)}`);
          return;
        }
      }
    } finally {
      isDraining.current = false;
    }
  };

  const send = () => {
    if (text.trim() === '') return;
    typing.stop();
    setProblem(undefined);
    outbox.current = [...outbox.current, { key: ++lineKeys.current, text, isHtml, isAgentOnly }];
    setSending(outbox.current);
    setText('');
    void drain();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an input method is composing: its Enter picks a candidate.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };

  // A card is something the visitor sees: a listener, who only whispers, has no card composer.
  if (isCardOpen && !isListener) {
    return (
      <div className="composer">
        <CardComposer session={session} isAgentOnly={isAgentOnly} onClose={() => setCardOpen(false)} />
      </div>
    );
  }

  return (
    <form className="composer" onSubmit={onSubmit}>
      {problem !== undefined && (
        <p className="inline-problem" role="alert">
          {problem}
        </p>
      )}
      {sending.length > 0 && (
        <ul className="composer-outbox" aria-label="Sending">
          {sending.map((line) => (
            <li key={line.key} dir="auto">
              <span className="visually-hidden">Sending: </span>
              {line.text}
            </li>
          ))}
        </ul>
      )}
      <label htmlFor={`${id}-message`} className="visually-hidden">
        Message
      </label>
      <textarea
        ref={input}
        id={`${id}-message`}
        className={`composer-input${isAgentOnly ? ' is-agent-only' : ''}`}
        // What is typed sets the direction: Arabic and Hebrew replies are written right to left.
        dir="auto"
        value={text}
        rows={3}
        placeholder={
          isAgentOnly
            ? isHolder
              ? 'A note only agents see…'
              : 'Whisper to the agents; the visitor does not see it…'
            : isHtml
              ? 'Reply with HTML, e.g. <b>bold</b>…'
              : 'Type your reply…'
        }
        onChange={(event) => {
          setText(event.target.value);
          // A note for agents is not the visitor's business: no "Agent is typing" for it.
          if (event.target.value !== '' && !isAgentOnly) typing.onKeystroke();
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
        <label className={`checkbox audience${isAgentOnly ? ' is-on' : ''}`}>
          <input
            type="checkbox"
            checked={isAgentOnly}
            disabled={isListener}
            onChange={(event) => {
              setAgentOnly(event.target.checked);
              if (event.target.checked) typing.stop();
            }}
            aria-describedby={isListener ? `${id}-listener` : undefined}
          />
          Only agents
        </label>
        {isListener && (
          <span id={`${id}-listener`} className="composer-hint">
            Listening: what you write is a whisper to the agents.
          </span>
        )}
        {!isListener && (
          <button type="button" className="secondary small" onClick={() => setCardOpen(true)}>
            Card…
          </button>
        )}
        {!isListener && (
          <span className="composer-hint" aria-hidden="true">
            Enter to send · Shift+Enter for a new line
          </span>
        )}
        <button type="submit" className="primary" disabled={text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}

/** A line taken from the box and not yet accepted by the server. */
interface OutgoingLine {
  key: number;
  text: string;
  isHtml: boolean;
  isAgentOnly: boolean;
}

import { useId, useState, type FormEvent } from 'react';
import { buildCard, emptyCardDraft, type CardButtonDraft, type CardDraft } from '../shared/structured-content-model.js';
import { StructuredContent } from '../shared/structured-content.js';
import type { ChatSession } from './chat-session.js';
import { describeError, isLoginGone } from './errors.js';

/** Buttons of one card: more would not fit a chat window. */
const MAX_BUTTONS = 4;

interface CardComposerProps {
  session: ChatSession;
  /** Sent to agents only (`ONLY_TO_REP`) rather than to the visitor. */
  isAgentOnly: boolean;
  onClose(): void;
}

/**
 * A simple card (structured content): a title, a text, an image and buttons that send a reply as the
 * visitor or open an https link, with a preview drawn as the visitor will see it.
 */
export function CardComposer({ session, isAgentOnly, onClose }: CardComposerProps) {
  const id = useId();
  const [draft, setDraft] = useState<CardDraft>(emptyCardDraft);
  const [problem, setProblem] = useState<string | undefined>();
  const [isSending, setSending] = useState(false);
  const built = buildCard(draft);

  const change = (patch: Partial<CardDraft>) => setDraft((current) => ({ ...current, ...patch }));
  const changeButton = (index: number, patch: Partial<CardButtonDraft>) =>
    setDraft((current) => ({
      ...current,
      buttons: current.buttons.map((button, at) => (at === index ? { ...button, ...patch } : button)),
    }));

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (isSending) return;
    if ('problem' in built) {
      setProblem(built.problem);
      return;
    }
    setSending(true);
    setProblem(undefined);
    try {
      await session.chat.sendRichContent(built.json, { agentOnly: isAgentOnly });
      setDraft(emptyCardDraft());
      onClose();
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      else setProblem(`Not sent: ${describeError(error)}`);
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="card-composer" aria-label="Card" onSubmit={(event) => void send(event)}>
      <div className="card-composer-fields">
        <label htmlFor={`${id}-title`}>Card title</label>
        <input id={`${id}-title`} value={draft.title} onChange={(event) => change({ title: event.target.value })} />
        <label htmlFor={`${id}-text`}>Card text</label>
        <textarea
          id={`${id}-text`}
          rows={2}
          value={draft.text}
          onChange={(event) => change({ text: event.target.value })}
        />
        <label htmlFor={`${id}-image`}>Image URL</label>
        <input
          id={`${id}-image`}
          type="url"
          inputMode="url"
          placeholder="https://…"
          value={draft.imageUrl}
          onChange={(event) => change({ imageUrl: event.target.value })}
        />
        {draft.buttons.map((button, index) => (
          <fieldset className="card-composer-button" key={index}>
            <legend>Button {index + 1}</legend>
            <label htmlFor={`${id}-b${index}-label`}>
              <span className="visually-hidden">Button {index + 1} </span>Label
            </label>
            <input
              id={`${id}-b${index}-label`}
              value={button.label}
              onChange={(event) => changeButton(index, { label: event.target.value })}
            />
            <label htmlFor={`${id}-b${index}-kind`}>
              <span className="visually-hidden">Button {index + 1} </span>Action
            </label>
            <select
              id={`${id}-b${index}-kind`}
              value={button.kind}
              onChange={(event) => changeButton(index, { kind: event.target.value === 'link' ? 'link' : 'reply' })}
            >
              <option value="reply">Reply</option>
              <option value="link">Link</option>
            </select>
            <label htmlFor={`${id}-b${index}-value`}>
              <span className="visually-hidden">Button {index + 1} </span>
              {button.kind === 'link' ? 'Link' : 'Reply'}
            </label>
            <input
              id={`${id}-b${index}-value`}
              placeholder={button.kind === 'link' ? 'https://…' : 'The label when empty'}
              value={button.value}
              onChange={(event) => changeButton(index, { value: event.target.value })}
            />
            <button
              type="button"
              className="secondary small"
              aria-label={`Remove button ${index + 1}`}
              onClick={() => change({ buttons: draft.buttons.filter((_, at) => at !== index) })}
            >
              Remove
            </button>
          </fieldset>
        ))}
        {draft.buttons.length < MAX_BUTTONS && (
          <button
            type="button"
            className="secondary small"
            onClick={() => change({ buttons: [...draft.buttons, { label: '', kind: 'reply', value: '' }] })}
          >
            Add button
          </button>
        )}
      </div>
      <div className="card-composer-preview" aria-label="Card preview">
        {'json' in built ? <StructuredContent json={built.json} onPublish={undefined} /> : <p>{built.problem}</p>}
      </div>
      {problem !== undefined && (
        <p className="inline-problem" role="alert">
          {problem}
        </p>
      )}
      <div className="composer-bar">
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={isSending || 'problem' in built}>
          Send card
        </button>
      </div>
    </form>
  );
}

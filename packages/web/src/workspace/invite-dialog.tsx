import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AgentClient, ListedAgent, TransferSkill } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { describeError, isLoginGone } from './errors.js';

interface InviteDialogProps {
  agent: AgentClient;
  session: ChatSession;
  myUserId: number | undefined;
  onClose(): void;
}

type Targets =
  | { status: 'loading' }
  | { status: 'ready'; skills: TransferSkill[]; agents: ListedAgent[] }
  | { status: 'failed'; message: string };

/**
 * Invites a colleague or a bot (by name, from the agent list) or anyone with a skill to assist in
 * the chat beside its holder (docs/SHARED-CHATS.md, invitations). Only agents with a live session
 * can be invited, whatever their availability: they are not rung, so Away is no obstacle.
 */
export function InviteDialog({ agent, session, myUserId, onClose }: InviteDialogProps) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [targets, setTargets] = useState<Targets>({ status: 'loading' });
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  useEffect(() => {
    let isCurrent = true;
    Promise.all([session.chat.transferSkills(), agent.availableAgents()]).then(
      ([skills, agents]) => {
        if (!isCurrent) return;
        const others = agents.filter((listed) => listed.chatState !== 'Offline' && listed.id !== myUserId);
        setTargets({ status: 'ready', skills, agents: others });
      },
      (error: unknown) => {
        if (isLoginGone(error)) session.onLoginGone(error);
        else if (isCurrent) setTargets({ status: 'failed', message: describeError(error) });
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [agent, session, myUserId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const [kind, value] = target.split(':');
    if (value === undefined) return;
    setBusy(true);
    setProblem(undefined);
    const trimmed = note.trim();
    try {
      await session.chat.invite(
        kind === 'agent' ? { user: Number(value) } : { skill: Number(value) },
        trimmed === '' ? {} : { note: trimmed },
      );
      onClose();
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      else setProblem(`Nobody was invited: ${describeError(error)}`);
      setBusy(false);
    }
  };

  const isEmpty = targets.status === 'ready' && targets.skills.length === 0 && targets.agents.length === 0;

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-label="Invite to chat"
      onCancel={(event) => {
        // Escape: close through React state, so the dialog and the state never disagree.
        event.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={(event) => void submit(event)} className="dialog-form">
        <h2 className="dialog-title">Invite to chat</h2>
        <p className="dialog-text">
          A colleague or bot joins as an assistant beside you: they read the whole chat, can write to the visitor and
          whisper to you. You keep the chat. The note is shown only to agents.
        </p>
        <div className="field">
          <label htmlFor={`${id}-target`}>Invite</label>
          <select
            id={`${id}-target`}
            value={target}
            onChange={(event) => setTarget(event.target.value)}
            disabled={targets.status !== 'ready' || isEmpty}
            required
          >
            <option value="">
              {targets.status === 'loading'
                ? 'Loading…'
                : isEmpty
                  ? 'Nobody is logged in'
                  : 'Choose a colleague or skill…'}
            </option>
            {targets.status === 'ready' && targets.agents.length > 0 && (
              <optgroup label="Colleagues and bots">
                {targets.agents.map((listed) => (
                  <option key={listed.id} value={`agent:${listed.id}`}>
                    {listed.nickname} ({listed.chatState})
                  </option>
                ))}
              </optgroup>
            )}
            {targets.status === 'ready' && targets.skills.length > 0 && (
              <optgroup label="Skills">
                {targets.skills.map((skill) => (
                  <option key={skill.id} value={`skill:${skill.id}`}>
                    Skill: {skill.name}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note</label>
          <textarea
            id={`${id}-note`}
            value={note}
            rows={3}
            onChange={(event) => setNote(event.target.value)}
            placeholder="What you would like help with"
          />
        </div>
        {targets.status === 'failed' && (
          <p className="inline-problem" role="alert">
            Colleagues could not be loaded: {targets.message}
          </p>
        )}
        {problem !== undefined && (
          <p className="inline-problem" role="alert">
            {problem}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={isBusy || target === ''}>
            Send invitation
          </button>
        </div>
      </form>
    </dialog>
  );
}

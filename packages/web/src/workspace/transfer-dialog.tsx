import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AgentClient, ListedAgent, TransferSkill } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { describeError, isLoginGone } from './errors.js';

interface TransferDialogProps {
  agent: AgentClient;
  session: ChatSession;
  myUserId: number | undefined;
  onCancel(): void;
  /** The chat left this agent: its tab can close. */
  onTransferred(): void;
}

type Targets =
  | { status: 'loading' }
  | { status: 'ready'; skills: TransferSkill[]; agents: ListedAgent[] }
  | { status: 'failed'; message: string };

/** Agents who can take a chat now; Away and Offline agents are never rung (README, routing). */
const canTakeChats = (agent: ListedAgent) => agent.chatState === 'Online' || agent.chatState === 'Occupied';

/**
 * Sends the chat to a skill or to another agent, with a note only agents see (chat-agent-api
 * §3.22–3.23). A native modal dialog: focus stays inside, Escape cancels.
 */
export function TransferDialog({ agent, session, myUserId, onCancel, onTransferred }: TransferDialogProps) {
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
        const others = agents.filter((listed) => canTakeChats(listed) && listed.id !== myUserId);
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
      await session.transfer({
        ...(kind === 'agent' ? { agentId: Number(value) } : { skill: Number(value) }),
        ...(trimmed === '' ? {} : { note: trimmed }),
      });
      onTransferred();
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      else setProblem(`The chat was not transferred: ${describeError(error)}`);
      setBusy(false);
    }
  };

  const isEmpty = targets.status === 'ready' && targets.skills.length === 0 && targets.agents.length === 0;

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-label="Transfer chat"
      onCancel={(event) => {
        // Escape: close through React state, so the dialog and the state never disagree.
        event.preventDefault();
        onCancel();
      }}
    >
      <form onSubmit={(event) => void submit(event)} className="dialog-form">
        <h2 className="dialog-title">Transfer chat</h2>
        <p className="dialog-text">
          The chat goes back to the queue and rings the skill or agent you choose. The note is shown only to agents.
        </p>
        <div className="field">
          <label htmlFor={`${id}-target`}>Transfer to</label>
          <select
            id={`${id}-target`}
            value={target}
            onChange={(event) => setTarget(event.target.value)}
            disabled={targets.status !== 'ready' || isEmpty}
            required
          >
            <option value="">
              {targets.status === 'loading' ? 'Loading…' : isEmpty ? 'Nobody is available' : 'Choose a skill or agent…'}
            </option>
            {targets.status === 'ready' && targets.skills.length > 0 && (
              <optgroup label="Skills">
                {targets.skills.map((skill) => (
                  <option key={skill.id} value={`skill:${skill.id}`}>
                    Skill: {skill.name}
                  </option>
                ))}
              </optgroup>
            )}
            {targets.status === 'ready' && targets.agents.length > 0 && (
              <optgroup label="Agents">
                {targets.agents.map((listed) => (
                  <option key={listed.id} value={`agent:${listed.id}`}>
                    Agent: {listed.nickname}
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
            placeholder="What the next agent should know"
          />
        </div>
        {targets.status === 'failed' && (
          <p className="inline-problem" role="alert">
            Transfer targets could not be loaded: {targets.message}
          </p>
        )}
        {problem !== undefined && (
          <p className="inline-problem" role="alert">
            {problem}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={isBusy || target === ''}>
            Confirm transfer
          </button>
        </div>
      </form>
    </dialog>
  );
}

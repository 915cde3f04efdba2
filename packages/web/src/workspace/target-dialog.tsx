import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AgentClient, ListedAgent, TransferSkill } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { describeError, isLoginGone } from './errors.js';

/** Who the dialog sends the chat's request to: an agent by user id, or anyone with a skill. */
export type Target = { kind: 'agent'; userId: number } | { kind: 'skill'; skillId: number };

/** One group of the target list, in the order the dialog wants them. */
export type TargetGroup =
  | { kind: 'agent'; label: string; describe(agent: ListedAgent): string }
  | { kind: 'skill'; label: string; describe(skill: TransferSkill): string };

interface TargetDialogProps {
  agent: AgentClient;
  session: ChatSession;
  /** The logged-in agent: never a target of its own chat. */
  myUserId: number | undefined;
  /** The dialog's name and heading. */
  title: string;
  explanation: string;
  /** The target list's label. */
  targetLabel: string;
  /** The list's empty choice once loaded: with targets, and without any. */
  choosePrompt: string;
  nobodyPrompt: string;
  groups: readonly TargetGroup[];
  /**
   * Which listed agents (besides the logged-in one) may be chosen: a function defined once, outside
   * the caller's render, or the targets would load again on every render.
   */
  canChoose(agent: ListedAgent): boolean;
  notePlaceholder: string;
  /** What the line says when the targets cannot be loaded, before the reason. */
  loadFailure: string;
  /** What the line says when `send` fails, before the reason. */
  sendFailure: string;
  submitLabel: string;
  /** Sends the request; the note is undefined when left empty. */
  send(target: Target, note: string | undefined): Promise<void>;
  /** `send` succeeded: the dialog can go. */
  onSent(): void;
  onCancel(): void;
}

type Targets =
  | { status: 'loading' }
  | { status: 'ready'; skills: TransferSkill[]; agents: ListedAgent[] }
  | { status: 'failed'; message: string };

/**
 * A native modal dialog (focus stays inside, Escape cancels) that sends the chat to a skill or an
 * agent with a note only agents see: what transferring and inviting have in common. Each caller
 * brings its words, the order of the groups, which agents qualify and what sending does.
 */
export function TargetDialog(props: TargetDialogProps) {
  const { agent, session, myUserId, canChoose, groups, send, onSent, onCancel } = props;
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
        const others = agents.filter((listed) => canChoose(listed) && listed.id !== myUserId);
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
  }, [agent, session, myUserId, canChoose]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const [kind, value] = target.split(':');
    if (value === undefined) return;
    setBusy(true);
    setProblem(undefined);
    const trimmed = note.trim();
    try {
      await send(
        kind === 'agent' ? { kind: 'agent', userId: Number(value) } : { kind: 'skill', skillId: Number(value) },
        trimmed === '' ? undefined : trimmed,
      );
      onSent();
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      else setProblem(`${props.sendFailure}: ${describeError(error)}`);
      setBusy(false);
    }
  };

  const isEmpty = targets.status === 'ready' && targets.skills.length === 0 && targets.agents.length === 0;

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-label={props.title}
      onCancel={(event) => {
        // Escape: close through React state, so the dialog and the state never disagree.
        event.preventDefault();
        onCancel();
      }}
    >
      <form onSubmit={(event) => void submit(event)} className="dialog-form">
        <h2 className="dialog-title">{props.title}</h2>
        <p className="dialog-text">{props.explanation}</p>
        <div className="field">
          <label htmlFor={`${id}-target`}>{props.targetLabel}</label>
          <select
            id={`${id}-target`}
            value={target}
            onChange={(event) => setTarget(event.target.value)}
            disabled={targets.status !== 'ready' || isEmpty}
            required
          >
            <option value="">
              {targets.status === 'loading' ? 'Loading…' : isEmpty ? props.nobodyPrompt : props.choosePrompt}
            </option>
            {targets.status === 'ready' &&
              groups.map((group) => <TargetOptions key={group.kind} group={group} targets={targets} />)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note</label>
          <textarea
            id={`${id}-note`}
            value={note}
            rows={3}
            onChange={(event) => setNote(event.target.value)}
            placeholder={props.notePlaceholder}
          />
        </div>
        {targets.status === 'failed' && (
          <p className="inline-problem" role="alert">
            {props.loadFailure}: {targets.message}
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
            {props.submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** One group of targets; none when the group is empty. */
function TargetOptions({
  group,
  targets,
}: {
  group: TargetGroup;
  targets: { skills: TransferSkill[]; agents: ListedAgent[] };
}) {
  if (group.kind === 'agent') {
    return targets.agents.length === 0 ? null : (
      <optgroup label={group.label}>
        {targets.agents.map((listed) => (
          <option key={listed.id} value={`agent:${listed.id}`}>
            {group.describe(listed)}
          </option>
        ))}
      </optgroup>
    );
  }
  return targets.skills.length === 0 ? null : (
    <optgroup label={group.label}>
      {targets.skills.map((skill) => (
        <option key={skill.id} value={`skill:${skill.id}`}>
          {group.describe(skill)}
        </option>
      ))}
    </optgroup>
  );
}

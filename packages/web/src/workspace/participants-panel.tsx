import { useId } from 'react';
import type { ChatSession } from './chat-session.js';
import { initialsOf } from './initials-of.js';
import { roleName } from './participants.js';
import { useChatSnapshot } from './use-chat-snapshot.js';

interface ParticipantsPanelProps {
  session: ChatSession;
  /** The logged-in agent's user id: "you" is marked in the list. */
  myUserId: number | undefined;
  /** Opens the invite dialog; absent when this agent may not invite (only the holder of an open chat). */
  onInvite?: (() => void) | undefined;
}

/** Who is in the chat besides the visitor: the holder, listeners and assistants, open invitations. */
export function ParticipantsPanel({ session, myUserId, onInvite }: ParticipantsPanelProps) {
  const id = useId();
  const { participants, participantsProblem } = useChatSnapshot(session);
  const holder = participants?.holder ?? null;
  const others = participants?.participants ?? [];
  const invitations = participants?.invitations ?? [];
  const you = (agentId: number) => (agentId === myUserId ? ' (you)' : '');

  return (
    <section className="participants-panel" aria-labelledby={`${id}-title`}>
      <div className="panel-heading">
        <h2 id={`${id}-title`} className="panel-title">
          Participants
        </h2>
        {onInvite !== undefined && (
          <button type="button" className="secondary small" onClick={onInvite}>
            Invite
          </button>
        )}
      </div>
      {participantsProblem !== undefined && (
        <p className="muted small">Who is in this chat cannot be shown: {participantsProblem}</p>
      )}
      {participants === undefined ? (
        participantsProblem === undefined && <p className="muted small">Loading…</p>
      ) : (
        <ul className="participants" aria-label="People in this chat">
          <li className="participant">
            <span className="avatar small-avatar" aria-hidden="true">
              {holder === null ? '…' : initialsOf(holder.agentName)}
            </span>
            <span className="participant-name">
              {holder === null ? 'Nobody yet (waiting)' : `${holder.agentName}${you(holder.agentId)}`}
            </span>
            <span className="role-tag role-holder">holder</span>
          </li>
          {others.map((participant) => (
            <li key={participant.id} className="participant">
              <span className="avatar small-avatar" aria-hidden="true">
                {initialsOf(participant.agentName)}
              </span>
              <span className="participant-name">
                {participant.agentName}
                {you(participant.agentId)}
              </span>
              <span className={`role-tag role-${participant.role}`}>{roleName(participant.role)}</span>
            </li>
          ))}
          {invitations.map((invitation) => (
            <li key={invitation.id} className="participant is-invited">
              <span className="avatar small-avatar" aria-hidden="true">
                ?
              </span>
              <span className="participant-name">
                {invitation.skillId !== null ? 'Anyone with the skill' : 'A colleague'}
                <span className="muted small"> · invited by {invitation.invitedBy}</span>
              </span>
              <span className="role-tag">invited</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import type { Invitation } from '@parley/sdk';
import { usePendingAction } from './use-pending-action.js';

interface InvitationsListProps {
  invitations: readonly Invitation[];
  /** Accepts: the chat opens as an assistant's. */
  onAccept(invitation: Invitation): Promise<void>;
  onDecline(invitation: Invitation): Promise<void>;
}

/**
 * Invitations to assist in a colleague's chat, shown like rings: who invites, for which chat, their
 * note; Accept joins the chat as an assistant, Decline tells the holder no.
 */
export function InvitationsList({ invitations, onAccept, onDecline }: InvitationsListProps) {
  const { pending, problem, run } = usePendingAction<string>();
  if (invitations.length === 0 && problem === undefined) return null;

  const answer = (invitation: Invitation, how: 'accept' | 'decline') =>
    run(invitation.id, `The invitation was not ${how === 'accept' ? 'accepted' : 'declined'}`, () =>
      how === 'accept' ? onAccept(invitation) : onDecline(invitation),
    );

  return (
    <section className="incoming invitations is-ringing" aria-label="Invitations">
      <h2 className="section-title">
        Invitations
        {invitations.length > 0 && (
          <span className="count-badge ring-badge" aria-hidden="true">
            {invitations.length}
          </span>
        )}
      </h2>
      <ul className="ring-list">
        {invitations.map((invitation) => (
          <li key={invitation.id} className="ring invitation">
            <span className="ring-icon" aria-hidden="true" />
            <span className="ring-text">
              <span className="ring-title">{invitation.invitedBy} invites you to assist</span>
              <span className="ring-sub">
                {invitation.visitorName || 'Visitor'}
                {invitation.skill !== null && ` · ${invitation.skill}`}
              </span>
              {invitation.note !== '' && <span className="ring-note">“{invitation.note}”</span>}
            </span>
            <span className="ring-buttons">
              <button
                type="button"
                className="primary small"
                disabled={pending === invitation.id}
                onClick={() => void answer(invitation, 'accept')}
              >
                Accept
              </button>
              <button
                type="button"
                className="secondary small"
                disabled={pending === invitation.id}
                onClick={() => void answer(invitation, 'decline')}
              >
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
      {problem !== undefined && (
        <p className="inline-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}

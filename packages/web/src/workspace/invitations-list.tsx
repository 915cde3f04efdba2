import { useState } from 'react';
import type { Invitation } from '@parley/sdk';
import { describeError } from './errors.js';

interface InvitationsListProps {
  invitations: readonly Invitation[];
  problem: string | undefined;
  /** Accepts: the chat opens as an assistant's. */
  onAccept(invitation: Invitation): Promise<void>;
  onDecline(invitation: Invitation): Promise<void>;
}

/**
 * Invitations to assist in a colleague's chat, shown like rings: who invites, for which chat, their
 * note; Accept joins the chat as an assistant, Decline tells the holder no.
 */
export function InvitationsList({ invitations, problem, onAccept, onDecline }: InvitationsListProps) {
  const [busyId, setBusyId] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  if (invitations.length === 0 && problem === undefined && failure === undefined) return null;

  const answer = async (invitation: Invitation, how: 'accept' | 'decline') => {
    setBusyId(invitation.id);
    setFailure(undefined);
    try {
      await (how === 'accept' ? onAccept(invitation) : onDecline(invitation));
    } catch (error) {
      setFailure(`The invitation was not ${how === 'accept' ? 'accepted' : 'declined'}: ${describeError(error)}`);
    } finally {
      setBusyId(undefined);
    }
  };

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
                disabled={busyId === invitation.id}
                onClick={() => void answer(invitation, 'accept')}
              >
                Accept
              </button>
              <button
                type="button"
                className="secondary small"
                disabled={busyId === invitation.id}
                onClick={() => void answer(invitation, 'decline')}
              >
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
      {(failure ?? problem) !== undefined && (
        <p className="inline-problem" role="alert">
          {failure ?? problem}
        </p>
      )}
    </section>
  );
}

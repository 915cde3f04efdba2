import { useEffect, useRef, useState } from 'react';
import type { AgentClient } from '@parley/sdk';
import { AgentSurvey } from './agent-survey.js';
import type { ChatSession } from './chat-session.js';
import { Composer } from './composer.js';
import { ConnectionBanner } from './connection-banner.js';
import { domId } from './dom-id.js';
import { describeError, isLoginGone } from './errors.js';
import { InviteDialog } from './invite-dialog.js';
import { ParticipantsPanel } from './participants-panel.js';
import { Transcript } from './transcript.js';
import { TransferDialog } from './transfer-dialog.js';
import { TypingIndicator } from './typing-indicator.js';
import { useChatSnapshot } from './use-chat-snapshot.js';
import { VisitorPanel } from './visitor-panel.js';

interface ChatPanelProps {
  agent: AgentClient;
  session: ChatSession;
  /** The logged-in agent's nickname: lines by other agents (before a transfer) are told apart. */
  myName: string | undefined;
  /** The logged-in agent's id: not a transfer target. */
  myUserId: number | undefined;
  onClose(): void;
}

/**
 * The selected chat: transcript, composer or wrap-up, and who is in it and the visitor beside it.
 * The holder transfers, invites and ends; a participant (listener or assistant) may join as an
 * assistant, take the chat over, or leave. Only the selected
 * chat has a panel (one Message box, one Transcript in the page); what must survive switching tabs
 * (the live feed, the draft, the wrap-up) lives in its ChatSession.
 */
export function ChatPanel({ agent, session, myUserId, myName, onClose }: ChatPanelProps) {
  const snapshot = useChatSnapshot(session);
  const [isTransferring, setTransferring] = useState(false);
  const [isInviting, setInviting] = useState(false);
  const [isEnding, setEnding] = useState(false);
  const [isChangingRole, setChangingRole] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  // "End chat" asks first: ending cannot be undone, and the button sits beside "Transfer".
  const [isConfirmingEnd, setConfirmingEnd] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const endButton = useRef<HTMLButtonElement>(null);
  const [panelNotice, setPanelNotice] = useState<string | undefined>();
  const isLost = snapshot.lostReason !== undefined;
  const isEnded = snapshot.state === 'ended';
  const isOpen = !isEnded && !isLost;
  const name = snapshot.visitorName || 'Visitor';
  const isHolder = snapshot.role === 'holder';

  /** Runs a participant's action (join as assistant, take over, leave), reporting a refusal above the transcript. */
  const act = async (what: string, action: () => Promise<void>) => {
    setChangingRole(true);
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      else setProblem(`${what}: ${describeError(error)}`);
    } finally {
      setChangingRole(false);
    }
  };
  const joinAsAssistant = () =>
    act('You did not join as an assistant', async () => {
      const chat = await agent.join(session.id, { role: 'assistant' });
      session.setRole(chat.role);
    });
  const takeOver = () => act('The chat was not taken over', () => session.takeOver());
  const leave = () => act('You did not leave the chat', () => session.leave());

  // A dialog about an open chat has nothing left to do once the chat ended or left this agent.
  useEffect(() => {
    if (isOpen) return;
    if (isTransferring) {
      setTransferring(false);
      setPanelNotice(
        isEnded ? 'The chat ended, so it was not transferred.' : 'The chat is no longer yours to transfer.',
      );
    }
    if (isInviting) {
      setInviting(false);
      setPanelNotice(isEnded ? 'The chat ended, so nobody was invited.' : 'The chat is no longer yours.');
    }
    setConfirmingEnd(false);
  }, [isOpen, isEnded, isTransferring, isInviting]);

  // The confirmation takes the focus, and gives it back when cancelled.
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (isConfirmingEnd) confirmButton.current?.focus();
    else if (wasConfirming.current) endButton.current?.focus();
    wasConfirming.current = isConfirmingEnd;
  }, [isConfirmingEnd]);

  const end = async () => {
    setConfirmingEnd(false);
    setEnding(true);
    setProblem(undefined);
    try {
      await session.chat.end();
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      else setProblem(`The chat was not ended: ${describeError(error)}`);
    } finally {
      setEnding(false);
    }
  };

  return (
    <section role="tabpanel" id={domId('panel', session.id)} aria-label={name} className="chat-panel">
      <div className="conversation">
        <div className="conversation-header">
          <div className="conversation-title">
            <span className="conversation-name">{name}</span>
            <span className={`state-pill state-${isLost ? 'lost' : snapshot.state || 'unknown'}`}>
              {isLost ? 'Closed' : stateLabel(snapshot.state)}
            </span>
            {!isHolder && !isLost && (
              <span className={`role-tag role-${snapshot.role}`}>
                {snapshot.role === 'listener' ? 'Listening' : 'Assisting'}
              </span>
            )}
          </div>
          <div className="conversation-actions">
            {isOpen && isHolder && (
              <>
                <button type="button" className="secondary" onClick={() => setTransferring(true)}>
                  Transfer
                </button>
                {isConfirmingEnd ? (
                  <span className="confirm-end" role="group" aria-label="End this chat?">
                    <span aria-hidden="true">End this chat?</span>
                    <button ref={confirmButton} type="button" className="danger" onClick={() => void end()}>
                      Yes, end it
                    </button>
                    <button type="button" className="secondary" onClick={() => setConfirmingEnd(false)}>
                      Keep chatting
                    </button>
                  </span>
                ) : (
                  <button
                    ref={endButton}
                    type="button"
                    className="danger"
                    onClick={() => setConfirmingEnd(true)}
                    disabled={isEnding}
                  >
                    End chat
                  </button>
                )}
              </>
            )}
            {isOpen && !isHolder && (
              <>
                {snapshot.role === 'listener' && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => void joinAsAssistant()}
                    disabled={isChangingRole}
                  >
                    Join as assistant
                  </button>
                )}
                {snapshot.state === 'chatting' && (
                  <button type="button" className="primary" onClick={() => void takeOver()} disabled={isChangingRole}>
                    Take over
                  </button>
                )}
                <button type="button" className="secondary" onClick={() => void leave()} disabled={isChangingRole}>
                  Leave
                </button>
              </>
            )}
            {!isOpen && (
              <button type="button" className="secondary" onClick={onClose}>
                Close
              </button>
            )}
          </div>
        </div>
        {snapshot.problem !== undefined && <ConnectionBanner message={snapshot.problem} />}
        <p className="panel-notice" role="status">
          {panelNotice}
        </p>
        {problem !== undefined && (
          <p className="inline-problem panel-problem" role="alert">
            {problem}
          </p>
        )}
        <Transcript
          events={snapshot.events}
          myName={myName}
          onUseReply={isOpen && isHolder ? (reply) => session.putInComposer(reply) : undefined}
        />
        {isOpen && (
          <>
            {/* The visitor's typing is the holder's to read (the server refuses participants). */}
            <TypingIndicator
              session={session}
              visitorName={name}
              isActive={snapshot.state === 'chatting' && isHolder}
            />
            <Composer session={session} role={snapshot.role} draftRevision={snapshot.draftRevision} />
          </>
        )}
        {isLost && <p className="wrap-up-note">{snapshot.lostReason}</p>}
        {isEnded && !isLost && isHolder && <AgentSurvey session={session} />}
        {isEnded && !isLost && !isHolder && <p className="wrap-up-note">This chat has ended.</p>}
      </div>
      <div className="side-column">
        <ParticipantsPanel
          session={session}
          myUserId={myUserId}
          onInvite={isOpen && isHolder ? () => setInviting(true) : undefined}
        />
        <VisitorPanel session={session} visitorName={name} isHolder={isHolder} />
      </div>
      {isInviting && (
        <InviteDialog agent={agent} session={session} myUserId={myUserId} onClose={() => setInviting(false)} />
      )}
      {isTransferring && (
        <TransferDialog
          agent={agent}
          session={session}
          myUserId={myUserId}
          onCancel={() => setTransferring(false)}
          onTransferred={onClose}
        />
      )}
    </section>
  );
}

function stateLabel(state: string): string {
  if (state === 'chatting') return 'Chatting';
  if (state === 'waiting') return 'Waiting';
  if (state === 'ended') return 'Ended';
  return 'Connecting';
}

import { useState } from 'react';
import type { AgentClient } from '@parley/sdk';
import { AgentSurvey } from './agent-survey.js';
import type { ChatSession } from './chat-session.js';
import { Composer } from './composer.js';
import { ConnectionBanner } from './connection-banner.js';
import { domId } from './dom-id.js';
import { describeError, isLoginGone } from './errors.js';
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
 * The selected chat: transcript, composer or wrap-up, and the visitor beside it. Only the selected
 * chat has a panel (one Message box, one Transcript in the page); what must survive switching tabs
 * (the live feed, the draft, the wrap-up) lives in its ChatSession.
 */
export function ChatPanel({ agent, session, myUserId, myName, onClose }: ChatPanelProps) {
  const snapshot = useChatSnapshot(session);
  const [isTransferring, setTransferring] = useState(false);
  const [isEnding, setEnding] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const isLost = snapshot.lostReason !== undefined;
  const isEnded = snapshot.state === 'ended';
  const isOpen = !isEnded && !isLost;
  const name = snapshot.visitorName || 'Visitor';

  const end = async () => {
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
          </div>
          <div className="conversation-actions">
            {isOpen && (
              <>
                <button type="button" className="secondary" onClick={() => setTransferring(true)}>
                  Transfer
                </button>
                <button type="button" className="danger" onClick={() => void end()} disabled={isEnding}>
                  End chat
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
        {problem !== undefined && (
          <p className="inline-problem panel-problem" role="alert">
            {problem}
          </p>
        )}
        <Transcript events={snapshot.events} myName={myName} />
        {isOpen && (
          <>
            <TypingIndicator session={session} isActive={snapshot.state === 'chatting'} />
            <Composer session={session} />
          </>
        )}
        {isLost && <p className="wrap-up-note">{snapshot.lostReason}</p>}
        {isEnded && !isLost && <AgentSurvey session={session} />}
      </div>
      <VisitorPanel session={session} visitorName={name} />
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

import { useEffect, useId, useState } from 'react';
import type { VisitInfo } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { describeUserAgent } from './describe-user-agent.js';
import { describeError, isLoginGone } from './errors.js';
import { PreviousChats } from './previous-chats.js';

interface VisitorPanelProps {
  session: ChatSession;
  /** The name the chat knows the visitor by now (it may change during the chat). */
  visitorName: string;
  /** Only the agent holding the chat reads the visit (chat-agent-api §3.26); a participant sees the name. */
  isHolder: boolean;
}

type Visit = { status: 'loading' } | { status: 'ready'; visit: VisitInfo } | { status: 'failed'; message: string };

/** Who the visitor is: address, browser, where they came from, what they told the pre-chat survey. */
export function VisitorPanel({ session, visitorName, isHolder }: VisitorPanelProps) {
  const id = useId();
  const [visit, setVisit] = useState<Visit>({ status: 'loading' });

  useEffect(() => {
    if (!isHolder) return;
    let isCurrent = true;
    session.visit().then(
      (value) => isCurrent && setVisit({ status: 'ready', visit: value }),
      (error: unknown) => {
        if (isLoginGone(error)) session.onLoginGone(error);
        else if (isCurrent) setVisit({ status: 'failed', message: describeError(error) });
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [session, isHolder]);

  const info = visit.status === 'ready' ? visit.visit : undefined;
  const agent = describeUserAgent(info?.userAgent);
  const rows: [string, string | undefined][] = isHolder
    ? [
        ['Name', visitorName],
        ['IP address', info?.ip],
        ['Browser', agent.browser],
        ['Operating system', agent.os],
        ['Referrer', info?.referrer],
      ]
    : [['Name', visitorName]];

  return (
    <aside className="visitor-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        Visitor
      </h2>
      {!isHolder && <p className="muted small">The visitor's details are shown to the agent holding the chat.</p>}
      {isHolder && visit.status === 'failed' && (
        <p className="inline-problem" role="alert">
          Visitor details are not available: {visit.message}
        </p>
      )}
      <dl className="facts">
        {rows.map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd className={value === undefined || value === '' ? 'muted' : undefined}>
              {visit.status === 'loading' && label !== 'Name' ? '…' : value || 'Unknown'}
            </dd>
          </div>
        ))}
      </dl>
      {info !== undefined && info.preChatSurvey.length > 0 && (
        <>
          <h3 className="panel-subtitle">Pre-chat survey</h3>
          <dl className="facts survey-answers">
            {info.preChatSurvey.map(({ question, answer }, index) => (
              <div key={`${index}-${question}`} className="fact stacked">
                <dt>{question}</dt>
                <dd className={answer === '' ? 'muted' : undefined}>{answer || 'No answer'}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      {info !== undefined && <PreviousChats chats={info.previousChats.filter((chat) => chat.chatId !== session.id)} />}
    </aside>
  );
}

import { useEffect, useState } from 'react';
import { VisitorClient } from '@parley/sdk';
import { connectionOf, type ChatParams } from './chat-params.js';
import { ErrorAlert } from './error-alert.js';
import { ExitSurvey } from './exit-survey.js';
import { TranscriptEmail } from './transcript-email.js';

interface AfterChatProps {
  params: ChatParams;
  chat: VisitorClient;
  /** false when the events stopped with an error: the chat may be gone, so no survey is offered. */
  isEnded: boolean;
  feedError: unknown;
  onNewChat(): void;
}

/**
 * Whether to offer the transcript by e-mail: only where the server sends it (SMTP configured);
 * undefined while asking, false when the question itself fails (an offer that cannot work is worse
 * than none).
 */
function useCanEmailTranscripts(params: ChatParams, isEnded: boolean): boolean | undefined {
  const [canEmail, setCanEmail] = useState<boolean | undefined>();
  useEffect(() => {
    if (!isEnded) return;
    let isCurrent = true;
    VisitorClient.canEmailTranscripts(connectionOf(params)).then(
      (answer) => isCurrent && setCanEmail(answer),
      () => isCurrent && setCanEmail(false),
    );
    return () => {
      isCurrent = false;
    };
  }, [params, isEnded]);
  return canEmail;
}

/** After the chat: the exit survey (server-chat §3.16), the transcript by e-mail (§3.18), a new chat. */
export function AfterChat({ params, chat, isEnded, feedError, onNewChat }: AfterChatProps) {
  const canEmailTranscripts = useCanEmailTranscripts(params, isEnded);
  return (
    <section className="after-chat" aria-label="After the chat">
      <ErrorAlert error={feedError} />
      {isEnded && (
        <>
          <ExitSurvey chat={chat} />
          {canEmailTranscripts === true && <TranscriptEmail chat={chat} />}
        </>
      )}
      <div className="card notice">
        <h2>Thanks for chatting with us!</h2>
        <p>Need anything else? We're here.</p>
        <button type="button" className="primary" onClick={onNewChat}>
          Start a new chat
        </button>
      </div>
    </section>
  );
}

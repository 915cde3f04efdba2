import type { VisitorClient } from '@parley/sdk';
import { ErrorAlert } from './error-alert.js';
import { ExitSurvey } from './exit-survey.js';
import { TranscriptEmail } from './transcript-email.js';

interface AfterChatProps {
  chat: VisitorClient;
  /** false when the events stopped with an error: the chat may be gone, so no survey is offered. */
  isEnded: boolean;
  feedError: unknown;
  onNewChat(): void;
}

/** After the chat: the exit survey (server-chat §3.16), the transcript by e-mail (§3.18), a new chat. */
export function AfterChat({ chat, isEnded, feedError, onNewChat }: AfterChatProps) {
  return (
    <section className="after-chat" aria-label="After the chat">
      <ErrorAlert error={feedError} />
      {isEnded && (
        <>
          <ExitSurvey chat={chat} />
          <TranscriptEmail chat={chat} />
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

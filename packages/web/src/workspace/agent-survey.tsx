import { useEffect, useState } from 'react';
import { ParleyError, type Survey, type SurveyAnswers } from '@parley/sdk';
import { SurveyForm } from '../shared/survey-form.js';
import type { ChatSession } from './chat-session.js';
import { describeError, isLoginGone } from './errors.js';
import { useChatSnapshot } from './use-chat-snapshot.js';

type State =
  | { status: 'loading' }
  | { status: 'ready'; survey: Survey }
  | { status: 'none' }
  | { status: 'failed'; message: string };

/** The agent's wrap-up survey after the chat ended (chat-agent-api §3.24–3.25), when the account has one. */
export function AgentSurvey({ session }: { session: ChatSession }) {
  const { isWrappedUp } = useChatSnapshot(session);
  const [state, setState] = useState<State>({ status: 'loading' });

  useEffect(() => {
    if (isWrappedUp) return;
    let isCurrent = true;
    session.survey().then(
      (survey) => isCurrent && setState({ status: 'ready', survey }),
      (error: unknown) => {
        if (isLoginGone(error)) session.onLoginGone(error);
        else if (!isCurrent) return;
        // 404: the account has no agent survey; there is nothing to fill in.
        else if (error instanceof ParleyError && error.status === 404) setState({ status: 'none' });
        else setState({ status: 'failed', message: describeError(error) });
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [session, isWrappedUp]);

  const submit = async (survey: Survey, answers: SurveyAnswers) => {
    try {
      await session.chat.submitSurvey(answers, { surveyId: survey.id });
    } catch (error) {
      if (isLoginGone(error)) session.onLoginGone(error);
      // The form shows the message above its button and keeps the answers.
      throw new Error(describeError(error), { cause: error });
    }
    // The snapshot says so from now on, here and in the tab list.
    session.markWrappedUp();
  };

  if (isWrappedUp) {
    return (
      <section className="wrap-up" aria-label="Wrap-up">
        <p className="wrap-up-note success" role="status">
          Survey submitted. You can close this chat.
        </p>
      </section>
    );
  }
  return (
    <section className="wrap-up" aria-label="Wrap-up">
      {state.status === 'loading' && <p className="wrap-up-note">Loading the wrap-up survey…</p>}
      {state.status === 'none' && <p className="wrap-up-note">This chat has ended.</p>}
      {state.status === 'failed' && (
        <p className="inline-problem" role="alert">
          The wrap-up survey could not be loaded: {state.message}
        </p>
      )}
      {state.status === 'ready' && (
        <>
          <h2 className="panel-title">{state.survey.title || 'Chat ended'}</h2>
          <SurveyForm
            survey={state.survey}
            submitLabel="Submit survey"
            draft={session.surveyDraft}
            onDraftChange={(answers) => (session.surveyDraft = answers)}
            onSubmit={(answers) => submit(state.survey, answers)}
          />
        </>
      )}
    </section>
  );
}

import { useState } from 'react';
import { VisitorClient, type Survey, type SurveyAnswers } from '@parley/sdk';
import { SurveyForm } from '../shared/survey-form.js';
import { queryOf, type ChatParams } from './chat-params.js';
import { rethrowDescribed } from './describe-error.js';
import { ErrorAlert } from './error-alert.js';
import { visitorIdFor } from './visitor-id.js';
import { visitorNameFrom } from './visitor-name.js';

interface PreChatProps {
  params: ChatParams;
  skill: string | undefined;
  /** undefined: no pre-chat survey configured, just the button. */
  survey: Survey | undefined;
  onStarted(chat: VisitorClient, skill: string | undefined): void;
}

/** The pre-chat survey and "Start chat" (server-chat §3.4, §3.8). */
export function PreChat({ params, skill, survey, onStarted }: PreChatProps) {
  const [isStarting, setIsStarting] = useState(false);
  const [error, setError] = useState<unknown>();

  const start = async (answers: SurveyAnswers | undefined) => {
    const visitorName = survey === undefined || answers === undefined ? undefined : visitorNameFrom(survey, answers);
    const chat = await VisitorClient.startChat({
      ...queryOf(params, skill),
      ...(survey === undefined || answers === undefined ? {} : { preChatSurvey: { surveyId: survey.id, answers } }),
      visitorId: visitorIdFor(params.accountId),
      // Browsers slow a background tab's timers to one a minute, so the SDK's 30 s keep-alive may
      // come late; the default 40 s would end a chat that waits in the queue in another tab.
      interactionTimeout: 150,
      // The page the visitor chats from (embed.js's host page), shown to the agent as the referrer.
      ...(params.referrer === undefined ? {} : { request: { chatReferrer: params.referrer } }),
      ...(visitorName === undefined ? {} : { visitorName }),
    });
    onStarted(chat, skill);
  };

  if (survey !== undefined) {
    return (
      <section className="card" aria-label="Before we start">
        <SurveyForm
          survey={survey}
          submitLabel="Start chat"
          onSubmit={(answers) => start(answers).catch(rethrowDescribed)}
        />
      </section>
    );
  }

  return (
    <section className="card" aria-label="Before we start">
      <p>Someone from our team is ready to chat with you.</p>
      <ErrorAlert error={error} />
      <button
        type="button"
        className="primary"
        disabled={isStarting}
        onClick={() => {
          setIsStarting(true);
          setError(undefined);
          start(undefined).catch((failure: unknown) => {
            setError(failure);
            setIsStarting(false);
          });
        }}
      >
        Start chat
      </button>
    </section>
  );
}

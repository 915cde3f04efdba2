import { useEffect, useState } from 'react';
import { VisitorClient, type Survey } from '@parley/sdk';
import { SurveyForm } from '../shared/survey-form.js';
import { queryOf, type ChatParams } from './chat-params.js';
import { isNotFound, rethrowDescribed } from './describe-error.js';
import { ErrorAlert } from './error-alert.js';

type Step =
  | { kind: 'loading' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'none' }
  | { kind: 'form'; survey: Survey }
  | { kind: 'sent' };

/** When nobody can take a chat: the offline survey as a message to leave (server-chat §3.5, §3.6). */
export function OfflineMessage({ params, skill }: { params: ChatParams; skill: string | undefined }) {
  const [step, setStep] = useState<Step>({ kind: 'loading' });

  useEffect(() => {
    let isCurrent = true;
    VisitorClient.offlineSurvey(queryOf(params, skill)).then(
      (survey) => isCurrent && setStep({ kind: 'form', survey }),
      (error: unknown) => isCurrent && setStep(isNotFound(error) ? { kind: 'none' } : { kind: 'failed', error }),
    );
    return () => {
      isCurrent = false;
    };
  }, [params, skill]);

  switch (step.kind) {
    case 'loading':
      return (
        <p className="loading" aria-live="polite">
          Loading…
        </p>
      );
    case 'failed':
      return <ErrorAlert error={step.error} />;
    case 'none':
      return (
        <section className="card notice">
          <h2>Nobody is available right now</h2>
          <p>Please try again a little later.</p>
        </section>
      );
    case 'form':
      return (
        <section className="card" aria-label="Leave a message">
          {step.survey.header === '' && <h2>Leave us a message</h2>}
          <SurveyForm
            survey={step.survey}
            submitLabel="Send message"
            onSubmit={(answers) =>
              VisitorClient.submitOfflineSurvey(queryOf(params, skill), answers, { surveyId: step.survey.id }).then(
                () => setStep({ kind: 'sent' }),
                rethrowDescribed,
              )
            }
          />
        </section>
      );
    case 'sent':
      return (
        <section className="card notice" role="status">
          <h2>Thank you!</h2>
          <p>We got your message and will get back to you as soon as we can.</p>
        </section>
      );
  }
}

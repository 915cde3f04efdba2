import { useEffect, useState } from 'react';
import type { Survey, VisitorClient } from '@parley/sdk';
import { SurveyForm } from '../shared/survey-form.js';
import { isNotFound, rethrowDescribed } from './describe-error.js';
import { ErrorAlert } from './error-alert.js';

type Step =
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'form'; survey: Survey }
  | { kind: 'sent' };

/** The exit survey, when one is configured (404: none, server-chat §9 item 13). */
export function ExitSurvey({ chat }: { chat: VisitorClient }) {
  const [step, setStep] = useState<Step>({ kind: 'loading' });

  useEffect(() => {
    let isCurrent = true;
    chat.exitSurvey().then(
      (survey) => isCurrent && setStep({ kind: 'form', survey }),
      (error: unknown) => isCurrent && setStep(isNotFound(error) ? { kind: 'none' } : { kind: 'failed', error }),
    );
    return () => {
      isCurrent = false;
    };
  }, [chat]);

  switch (step.kind) {
    case 'loading':
    case 'none':
      return null;
    case 'failed':
      return <ErrorAlert error={step.error} />;
    case 'form':
      return (
        <section className="card" aria-label="Feedback">
          {step.survey.header === '' && <h2>How did we do?</h2>}
          <SurveyForm
            survey={step.survey}
            submitLabel="Submit"
            onSubmit={(answers) =>
              chat
                .submitExitSurvey(answers, { surveyId: step.survey.id })
                .then(() => setStep({ kind: 'sent' }), rethrowDescribed)
            }
          />
        </section>
      );
    case 'sent':
      return (
        <p className="card notice" role="status">
          Thanks for your feedback!
        </p>
      );
  }
}

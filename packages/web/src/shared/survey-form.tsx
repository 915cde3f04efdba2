import { useId, useState, type FormEvent, type ReactNode } from 'react';
import './survey-form.css';
import type { Survey, SurveyAnswers, SurveyQuestion } from '@parley/sdk';
import { initialAnswers, problemOf, submittedAnswers, visibleQuestions, type DraftAnswers } from './survey-logic.js';

export interface SurveyFormProps {
  survey: Survey;
  /** The submit button's text (its accessible name). */
  submitLabel: string;
  /** Called with the answers of the visible questions; a rejection is shown above the button. */
  onSubmit(answers: SurveyAnswers): Promise<void>;
  /** Answers to start from (a draft kept while the form was not shown), instead of the defaults. */
  draft?: DraftAnswers | undefined;
  /** Told every change of the answers, to keep them as a draft. */
  onDraftChange?(answers: DraftAnswers): void;
  /** Extra content before the button (e.g. a name field). */
  children?: ReactNode;
}

/**
 * A survey (pre-chat, offline, exit or agent survey, server-chat §5) as a form: every question
 * labelled with its text, hidden until revealed by logic, checked before it is sent.
 */
export function SurveyForm({ survey, submitLabel, onSubmit, draft, onDraftChange, children }: SurveyFormProps) {
  const [answers, setAnswers] = useState<DraftAnswers>(() => draft ?? initialAnswers(survey));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const visible = visibleQuestions(survey, answers);

  const update = (id: string, value: string | string[]) => {
    const next = { ...answers, [id]: value };
    setAnswers(next);
    onDraftChange?.(next);
    setProblems(({ [id]: _gone, ...rest }) => rest);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    for (const question of visible) {
      const problem = problemOf(question, answers[question.id]);
      if (problem !== undefined) found[question.id] = problem;
    }
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await onSubmit(submittedAnswers(survey, answers));
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="survey" onSubmit={(event) => void submit(event)} noValidate>
      {survey.header !== '' && <p className="survey-header">{survey.header}</p>}
      {visible.map((question) => (
        <Question
          key={question.id}
          question={question}
          answer={answers[question.id]}
          problem={problems[question.id]}
          onChange={(value) => update(question.id, value)}
        />
      ))}
      {children}
      {failure !== undefined && (
        <p className="survey-failure" role="alert">
          {failure}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

interface QuestionProps {
  question: SurveyQuestion;
  answer: string | string[] | undefined;
  problem: string | undefined;
  onChange(value: string | string[]): void;
}

function Question({ question, answer, problem, onChange }: QuestionProps) {
  const id = useId();
  const problemId = `${id}-problem`;
  const text = typeof answer === 'string' ? answer : '';
  const values = Array.isArray(answer) ? answer : [];
  const described = problem === undefined ? {} : { 'aria-describedby': problemId, 'aria-invalid': true };
  const label = (
    <>
      {question.label}
      {question.mandatory && (
        <span className="required" aria-hidden="true">
          {' '}
          *
        </span>
      )}
    </>
  );
  const problemText = problem !== undefined && (
    <span id={problemId} className="field-problem">
      {problem}
    </span>
  );

  if (question.type === 'Checkbox' || question.type.startsWith('Radio Button')) {
    const isCheckbox = question.type === 'Checkbox';
    return (
      <fieldset
        className={`field choice${question.type.includes('side by side') ? ' side-by-side' : ''}`}
        {...described}
      >
        <legend>{label}</legend>
        {question.entries.map((entry) => (
          <label key={entry.value} className="choice-option">
            <input
              type={isCheckbox ? 'checkbox' : 'radio'}
              name={id}
              value={entry.value}
              checked={isCheckbox ? values.includes(entry.value) : text === entry.value}
              onChange={(event) =>
                onChange(
                  isCheckbox
                    ? event.target.checked
                      ? [...values, entry.value]
                      : values.filter((value) => value !== entry.value)
                    : entry.value,
                )
              }
            />
            {entry.displayValue ?? entry.value}
          </label>
        ))}
        {problemText}
      </fieldset>
    );
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {question.type === 'Dropdown Box' ? (
        <select id={id} value={text} onChange={(event) => onChange(event.target.value)} {...described}>
          <option value="">Choose…</option>
          {question.entries.map((entry) => (
            <option key={entry.value} value={entry.value}>
              {entry.displayValue ?? entry.value}
            </option>
          ))}
        </select>
      ) : question.type === 'Text Area' ? (
        <textarea id={id} value={text} rows={3} onChange={(event) => onChange(event.target.value)} {...described} />
      ) : (
        <input
          id={id}
          type={question.validationType === 'email' ? 'email' : 'text'}
          inputMode={question.validationType === 'numeric' ? 'decimal' : undefined}
          value={text}
          onChange={(event) => onChange(event.target.value)}
          {...described}
        />
      )}
      {problemText}
    </div>
  );
}

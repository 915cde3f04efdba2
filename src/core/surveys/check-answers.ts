import type { SurveyAnswers } from '../chats/chat-model.js';
import { AppError, ErrorCode } from '../errors.js';
import { isTextType, type Survey, type SurveyQuestion } from './survey-model.js';

/**
 * What a body got wrong in its shape. The transport finds it while reading; the use case raises it
 * where the check always stood, so that a missing chat or survey (404) is still answered first.
 */
export interface InputProblem {
  message: string;
  field: string;
}

/** Answers read from one place of the body, and that place, for error fields. */
export interface PostedValues {
  /** Trimmed, blanks left out. */
  values: string[];
  field: string;
}

/** What one posted question answers; the definition decides what is acceptable. */
export type PostedAnswer =
  | ({ kind: 'values' } & PostedValues)
  /** An answer that was neither text nor a list of texts, at `field`. */
  | { kind: 'not-text'; field: string }
  /**
   * A structure echo without an answer (chat-agent §3.25): its `lastKnownValue` and its checked
   * entries; the question's type says which one answers.
   */
  | { kind: 'echo'; asText: PostedValues; asSelection: PostedValues };

/** One posted question: its id, or the problem of a question posted without one. */
export type PostedQuestion = { id: string; at: string; answer: PostedAnswer } | { id: null; problem: InputProblem };

/**
 * A survey submission as the transport read it (server-chat §5, §3.6, §3.17; chat-agent §3.25): the
 * survey id it names, if any, and the questions posted, in the order they were posted.
 */
export interface SurveySubmission {
  /** The body could not be read as a submission at all. */
  malformed?: InputProblem;
  surveyId: string | null;
  /** The posted questions, or the problem of a `questions` that holds none. */
  questions: PostedQuestion[] | InputProblem;
}

/** An empty submission: still checked for mandatory answers. */
export const NO_ANSWERS: SurveySubmission = { surveyId: null, questions: [] };

const NUMERIC = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;
// Pragmatic single address: no spaces, one @, a dotted domain with non-empty labels (server-chat §5).
const EMAIL = /^[^\s@]+@(?:[^\s@.]+\.)+[^\s@.]+$/;
const EMAIL_MAX_LENGTH = 254;

/**
 * Checks a submission against its survey (server-chat §5, §3.17; chat-agent §3.25). A problem the
 * transport found, a survey id of another survey, a question with an unknown id or posted twice, a
 * visible mandatory question unanswered, an answer that is not an option, not a number or not an
 * address all throw AppError VALIDATION with the field at fault, in that order. Answers to
 * questions hidden by logic are dropped; the rest come back in survey order, a Checkbox answer
 * always as a list.
 */
export function checkAnswers(submission: SurveySubmission, survey: Survey, now: number): SurveyAnswers {
  if (submission.malformed !== undefined) raise(submission.malformed);
  const { surveyId, questions } = submission;
  if (surveyId !== null && surveyId !== survey.id) {
    fail(`The survey id ${surveyId} is not the id of this survey (${survey.id})`, 'survey.id');
  }
  if (!Array.isArray(questions)) return raise(questions);

  const posted = new Map<string, PostedValues>();
  const byId = new Map(survey.questions.map((question) => [question.id, question]));
  for (const item of questions) {
    if (item.id === null) raise(item.problem);
    const question = byId.get(item.id);
    // The real host's wording for this case (chat-agent §3.25, developer-center issue #47).
    if (question === undefined) fail(`An unknown question id was posted: ${clip(item.id)}`, `${item.at}.id`);
    if (posted.has(item.id)) fail(`${capitalize(describe(question))} was posted more than once`, `${item.at}.id`);
    const answer = answerOf(item.answer, question);
    posted.set(item.id, { values: checkValues(answer.values, question, answer.field), field: answer.field });
  }

  const visible = visibleQuestionIds(survey, posted);
  for (const question of survey.questions) {
    const answered = (posted.get(question.id)?.values.length ?? 0) > 0;
    if (question.mandatory && visible.has(question.id) && !answered) {
      fail(
        `${capitalize(describe(question))} is mandatory and was not answered`,
        posted.get(question.id)?.field ?? 'survey.question',
      );
    }
  }

  const answers: SurveyAnswers['answers'] = [];
  for (const question of survey.questions) {
    const values = posted.get(question.id)?.values ?? [];
    // Answers to hidden questions are dropped: the visitor never saw them (server-chat §5, "Logic").
    if (values.length === 0 || !visible.has(question.id)) continue;
    const [first = ''] = values;
    answers.push({
      questionId: question.id,
      label: question.label,
      answer: question.type === 'Checkbox' ? values : first,
    });
  }
  return { surveyId: survey.id, answers, submittedAt: now };
}

function answerOf(answer: PostedAnswer, question: SurveyQuestion): PostedValues {
  switch (answer.kind) {
    case 'values':
      return answer;
    case 'not-text':
      return fail(`The answer to ${describe(question)} must be text or a list of texts`, answer.field);
    case 'echo':
      return isTextType(question.type) ? answer.asText : answer.asSelection;
  }
}

/** Checks answers against the question; returns selection answers as entry values in entry order. */
function checkValues(values: string[], question: SurveyQuestion, field: string): string[] {
  if (values.length > 1 && question.type !== 'Checkbox') {
    fail(`${capitalize(describe(question))} takes a single answer, ${values.length} were posted`, field);
  }
  if (isTextType(question.type)) {
    for (const value of values) {
      if (question.validationType === 'numeric' && !NUMERIC.test(value)) {
        fail(`The answer to ${describe(question)} must be a number`, field);
      }
      if (question.validationType === 'email' && (value.length > EMAIL_MAX_LENGTH || !EMAIL.test(value))) {
        fail(`The answer to ${describe(question)} must be an e-mail address`, field);
      }
    }
    return values;
  }
  // Selection questions: the entry list is the validation; validationType applies to free text only.
  const chosen = new Set(
    values.map((value) => {
      const entry =
        question.entries.find((candidate) => candidate.value === value) ??
        question.entries.find((candidate) => candidate.displayValue === value);
      return entry?.value ?? fail(`"${clip(value)}" is not an option of ${describe(question)}`, field);
    }),
  );
  return question.entries.filter((entry) => chosen.has(entry.value)).map((entry) => entry.value);
}

/**
 * The questions the visitor saw under the posted answers (server-chat §5, "Logic"): a question whose
 * logicId some entry names in showLogicIds is hidden until such an entry is selected in a question
 * that is itself visible, so reveals chain; a question only reachable through a cycle stays hidden.
 */
function visibleQuestionIds(survey: Survey, posted: Map<string, PostedValues>): Set<string> {
  const controlled = new Set(
    survey.questions.flatMap((question) => question.entries.flatMap((entry) => entry.showLogicIds)),
  );
  const visible = new Set(
    survey.questions
      .filter((question) => question.logicId === null || !controlled.has(question.logicId))
      .map((question) => question.id),
  );
  for (let changed = true; changed;) {
    changed = false;
    const revealed = new Set<string>();
    for (const question of survey.questions) {
      if (!visible.has(question.id)) continue;
      const values = posted.get(question.id)?.values ?? [];
      for (const entry of question.entries) {
        if (values.includes(entry.value)) entry.showLogicIds.forEach((logicId) => revealed.add(logicId));
      }
    }
    for (const question of survey.questions) {
      if (visible.has(question.id) || question.logicId === null || !revealed.has(question.logicId)) continue;
      visible.add(question.id);
      changed = true;
    }
  }
  return visible;
}

/** `question 16314710 ("What is your name?")`, for messages that must name the question. */
function describe(question: SurveyQuestion): string {
  return question.label.trim() === ''
    ? `question ${question.id}`
    : `question ${question.id} ("${clip(question.label)}")`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Long client text is shortened in messages; the field already says where it was. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(message: string, field: string): never {
  throw new AppError(ErrorCode.VALIDATION, message, { field });
}

function raise(problem: InputProblem): never {
  return fail(problem.message, problem.field);
}

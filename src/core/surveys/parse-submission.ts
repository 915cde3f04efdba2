import type { SurveyAnswers } from '../chats/chat-model.js';
import { ChatError, ErrorCode } from '../errors.js';
import { isRecord } from '../guards.js';
import { asList, isTextType, readId, type Survey, type SurveyQuestion } from './survey-model.js';

/** How parseSubmission reads a body beyond the answers themselves. */
export interface ParseSubmissionOptions {
  /**
   * The body may carry the offline survey's visitor context (server-chat §3.6, §9 item 12): `skill`,
   * `visitorId`, `LETag*` and the rest, inside `survey` or at the top level. When set, each of those
   * fields that is present must be text or a number (else VALIDATION naming it); the transport reads
   * their values. Without it they are ignored like any other unknown key.
   */
  contextKeys?: boolean;
}

/** The context fields of an offline submission, in both spellings the sources use (server-chat §3.6). */
const CONTEXT_KEYS = [
  'skill',
  'visitorId',
  'visitorIp',
  'chatReferrer',
  'chatRefferer',
  'referrer',
  'userAgent',
  'LETagVisitorId',
  'LETagSessionId',
  'LETagContextId',
  'visitorSessionId',
] as const;

/** What one posted question contributed: its answers and where they were, for error fields. */
interface Posted {
  values: string[];
  field: string;
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;
// Pragmatic single address: no spaces, one @, a dotted domain with non-empty labels (server-chat §5).
const EMAIL = /^[^\s@]+@(?:[^\s@.]+\.)+[^\s@.]+$/;
const EMAIL_MAX_LENGTH = 254;

/**
 * Reads and validates survey answers from any body shape a legacy client sends (server-chat §5, §3.6,
 * §3.17, §9 item 11; chat-agent §3.25). The canonical body is
 * `{"survey":{"id":…,"question":[{"id":…,"answer":…}]}}`; also accepted: one question as an object,
 * `value` for `answer`, `@id` for `id`, ids as numbers or strings, no survey id, the `questions`
 * wrapper of the structure-shaped body, and the inner survey object itself (Start Chat's
 * `request.survey`), which is what a body without a `survey` key is taken to be. Unknown keys are
 * ignored. A question missing its id or with an unknown one, a visible mandatory question unanswered,
 * an answer that is not an option, not a number or not an address, and a survey id of another
 * survey all throw ChatError VALIDATION with the field at fault. Answers to questions hidden by
 * logic are dropped; the rest come back in survey order, a Checkbox answer always as a list.
 */
export function parseSubmission(
  body: unknown,
  survey: Survey,
  now: number,
  options: ParseSubmissionOptions = {},
): SurveyAnswers {
  const inner = locateSurvey(body);
  if (options.contextKeys === true) checkContextKeys(body, inner);

  const posted = new Map<string, Posted>();
  if (inner !== null) {
    checkSurveyId(inner, survey);
    const byId = new Map(survey.questions.map((question) => [question.id, question]));
    const { items, path, isList, isEcho } = locateQuestions(inner);
    items.forEach((item, index) => {
      readPostedQuestion(item, isList ? `${path}[${index}]` : path, byId, posted, isEcho);
    });
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

/**
 * The survey object of a body: `body.survey` when the key is there, else the body itself (Start Chat
 * passes `request.survey`, and a client may drop the wrapper). No body, or an empty `survey` (XML
 * `<survey/>`), is an empty submission, still checked for mandatory answers.
 */
function locateSurvey(body: unknown): Record<string, unknown> | null {
  if (body === undefined || body === null || body === '') return null;
  if (!isRecord(body)) fail('The survey submission must be an object', 'survey');
  if (!('survey' in body)) return body;
  const survey = body.survey;
  if (survey === undefined || survey === null || survey === '') return null;
  if (!isRecord(survey)) fail('survey must be an object with the answered questions', 'survey');
  return survey;
}

function checkContextKeys(body: unknown, inner: Record<string, unknown> | null): void {
  const places: [Record<string, unknown>, string][] = [];
  if (isRecord(body)) places.push([body, '']);
  if (inner !== null && inner !== body) places.push([inner, 'survey.']);
  for (const [place, prefix] of places) {
    for (const key of CONTEXT_KEYS) {
      const value = place[key];
      if (value === undefined || value === null || typeof value === 'string') continue;
      if (typeof value === 'number' && Number.isFinite(value)) continue;
      fail(`${key} must be text or a number`, `${prefix}${key}`);
    }
  }
}

function checkSurveyId(inner: Record<string, unknown>, survey: Survey): void {
  const raw = inner.id ?? inner['@id'];
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return;
  const id = readId(raw);
  if (id === null) fail('survey.id must be a number or text', 'survey.id');
  if (id !== survey.id) fail(`The survey id ${id} is not the id of this survey (${survey.id})`, 'survey.id');
}

/** The posted questions: `question` (one or several), else the structure echo's `questions.question`. */
function locateQuestions(inner: Record<string, unknown>): {
  items: unknown[];
  path: string;
  isList: boolean;
  isEcho: boolean;
} {
  const { question, questions } = inner;
  if (question !== undefined && question !== null) {
    return { items: asList(question), path: 'survey.question', isList: Array.isArray(question), isEcho: false };
  }
  if (questions === undefined || questions === null || questions === '') {
    return { items: [], path: 'survey.question', isList: false, isEcho: false };
  }
  // The docs' Submit Survey Data page shows the structure as the body (server-chat §3.17, §9 item 11).
  if (isRecord(questions)) {
    const listed = questions.question;
    return { items: asList(listed), path: 'survey.questions.question', isList: Array.isArray(listed), isEcho: true };
  }
  if (Array.isArray(questions)) return { items: questions, path: 'survey.questions', isList: true, isEcho: true };
  return fail('survey.questions must hold the answered questions', 'survey.questions');
}

function readPostedQuestion(
  item: unknown,
  at: string,
  byId: Map<string, SurveyQuestion>,
  posted: Map<string, Posted>,
  isEcho: boolean,
): void {
  if (!isRecord(item)) fail('A survey question was posted without an id', at);
  const id = readId(item.id ?? item['@id']);
  if (id === null) fail('A survey question was posted without an id', `${at}.id`);
  const question = byId.get(id);
  // The real host's wording for this case (chat-agent §3.25, developer-center issue #47).
  if (question === undefined) fail(`An unknown question id was posted: ${clip(id)}`, `${at}.id`);
  if (posted.has(id)) fail(`${capitalize(describe(question))} was posted more than once`, `${at}.id`);

  // `value` is the SDK's spelling of `answer` (server-chat §3.6); `answer` wins when both are there.
  const key = isPresent(item.answer) ? 'answer' : isPresent(item.value) ? 'value' : null;
  const answer =
    key !== null
      ? { values: readValues(item[key], `${at}.${key}`, question), field: `${at}.${key}` }
      : isEcho
        ? readEchoedAnswer(item, at, question)
        : { values: [], field: `${at}.answer` };
  posted.set(id, { values: checkValues(answer.values, question, answer.field), field: answer.field });
}

/** A posted answer as trimmed non-blank strings: text, or a list of texts (Checkbox, XML `<answer>`s). */
function readValues(raw: unknown, field: string, question: SurveyQuestion): string[] {
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  return list.flatMap((value, index) => {
    if (typeof value !== 'string') {
      const at = Array.isArray(raw) ? `${field}[${index}]` : field;
      return fail(`The answer to ${describe(question)} must be text or a list of texts`, at);
    }
    const trimmed = value.trim();
    return trimmed === '' ? [] : [trimmed];
  });
}

/**
 * Answers of a structure echo without `answer` keys, as the agent spec allows (chat-agent §3.25):
 * checked entries of a selection question, `lastKnownValue` of a text question. An echo of the GET
 * as served (nothing checked, empty `lastKnownValue`) is an empty submission (server-chat §3.17).
 */
function readEchoedAnswer(item: Record<string, unknown>, at: string, question: SurveyQuestion): Posted {
  if (isTextType(question.type)) {
    const text = item.lastKnownValue;
    const values = typeof text === 'string' && text.trim() !== '' ? [text.trim()] : [];
    return { values, field: `${at}.lastKnownValue` };
  }
  const values = asList(item.entry).flatMap((entry) => {
    if (!isRecord(entry)) return [];
    const checked =
      entry.checked === true || (typeof entry.checked === 'string' && /^true$/i.test(entry.checked.trim()));
    const value = checked ? readId(entry.value) : null;
    return value === null ? [] : [value];
  });
  return { values, field: `${at}.entry` };
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
function visibleQuestionIds(survey: Survey, posted: Map<string, Posted>): Set<string> {
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

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
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
  throw new ChatError(ErrorCode.VALIDATION, message, { field });
}

import { z } from 'zod';
import type {
  InputProblem,
  PostedAnswer,
  PostedQuestion,
  PostedValues,
  SurveySubmission,
} from '../../core/surveys/check-answers.js';
import { asList, readId } from '../../core/surveys/survey-model.js';
import { isRecord } from './wire.js';

/** How a survey submission is read beyond the answers themselves. */
export interface ReadSubmissionOptions {
  /**
   * The body may carry the offline survey's visitor context (server-chat §3.6, §9 item 12): `skill`,
   * `visitorId`, `LETag*` and the rest, inside `survey` or at the top level. When set, each of those
   * fields that is present must be text or a number (else a problem naming it). Without it they are
   * ignored like any other unknown key.
   */
  contextKeys?: boolean;
}

/** The context fields of an offline submission, in both spellings the sources use (server-chat §3.6). */
export const CONTEXT_KEYS = [
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

const problem = (message: string, field: string): InputProblem => ({ message, field });

/**
 * Reads survey answers from any body shape a legacy client sends (server-chat §5, §3.6, §3.17, §9
 * item 11; chat-agent §3.25). The canonical body is `{"survey":{"id":…,"question":[{"id":…,"answer":…}]}}`;
 * also accepted: one question as an object, `value` for `answer`, `@id` for `id`, ids as numbers or
 * strings, no survey id, the `questions` wrapper of the structure-shaped body, and the inner survey
 * object itself (Start Chat's `request.survey`), which is what a body without a `survey` key is
 * taken to be. Unknown keys are ignored. Never throws: what the body gets wrong travels with the
 * submission, and the use case raises it once the survey is known to be there (checkAnswers).
 */
export function readSurveySubmission(body: unknown, options: ReadSubmissionOptions = {}): SurveySubmission {
  const located = locateSurvey(body);
  if (located === null) return { surveyId: null, questions: [] };
  if ('problem' in located) return malformed(located.problem);
  const { inner } = located;
  if (options.contextKeys === true) {
    const contextProblem = checkContextKeys(body, inner);
    if (contextProblem !== undefined) return malformed(contextProblem);
  }
  const raw = inner.id ?? inner['@id'];
  const blank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
  const surveyId = blank ? null : readId(raw);
  if (!blank && surveyId === null) return malformed(problem('survey.id must be a number or text', 'survey.id'));
  return { surveyId, questions: readQuestions(inner) };
}

/** A survey submission body: always read; its problems are raised by the use case (see above). */
export const surveySubmissionBody = z.unknown().transform((body) => readSurveySubmission(body));

const malformed = (found: InputProblem): SurveySubmission => ({ malformed: found, surveyId: null, questions: [] });

/**
 * The survey object of a body: `body.survey` when the key is there, else the body itself (Start Chat
 * passes `request.survey`, and a client may drop the wrapper). No body, or an empty `survey` (XML
 * `<survey/>`), is an empty submission (null), still checked for mandatory answers.
 */
function locateSurvey(body: unknown): { inner: Record<string, unknown> } | { problem: InputProblem } | null {
  if (body === undefined || body === null || body === '') return null;
  if (!isRecord(body)) return { problem: problem('The survey submission must be an object', 'survey') };
  if (!('survey' in body)) return { inner: body };
  const survey = body.survey;
  if (survey === undefined || survey === null || survey === '') return null;
  if (!isRecord(survey)) return { problem: problem('survey must be an object with the answered questions', 'survey') };
  return { inner: survey };
}

function checkContextKeys(body: unknown, inner: Record<string, unknown>): InputProblem | undefined {
  const places: [Record<string, unknown>, string][] = [];
  if (isRecord(body)) places.push([body, '']);
  if (inner !== body) places.push([inner, 'survey.']);
  for (const [place, prefix] of places) {
    for (const key of CONTEXT_KEYS) {
      const value = place[key];
      if (value === undefined || value === null || typeof value === 'string') continue;
      if (typeof value === 'number' && Number.isFinite(value)) continue;
      return problem(`${key} must be text or a number`, `${prefix}${key}`);
    }
  }
  return undefined;
}

/** The posted questions: `question` (one or several), else the structure echo's `questions.question`. */
function readQuestions(inner: Record<string, unknown>): PostedQuestion[] | InputProblem {
  const { question, questions } = inner;
  const read = (items: unknown[], path: string, isList: boolean, isEcho: boolean) =>
    items.map((item, index) => readPostedQuestion(item, isList ? `${path}[${index}]` : path, isEcho));
  if (question !== undefined && question !== null) {
    return read(asList(question), 'survey.question', Array.isArray(question), false);
  }
  if (questions === undefined || questions === null || questions === '') return [];
  // The docs' Submit Survey Data page shows the structure as the body (server-chat §3.17, §9 item 11).
  if (isRecord(questions)) {
    const listed = questions.question;
    return read(asList(listed), 'survey.questions.question', Array.isArray(listed), true);
  }
  if (Array.isArray(questions)) return read(questions, 'survey.questions', true, true);
  return problem('survey.questions must hold the answered questions', 'survey.questions');
}

function readPostedQuestion(item: unknown, at: string, isEcho: boolean): PostedQuestion {
  if (!isRecord(item)) return { id: null, problem: problem('A survey question was posted without an id', at) };
  const id = readId(item.id ?? item['@id']);
  if (id === null) return { id: null, problem: problem('A survey question was posted without an id', `${at}.id`) };
  // `value` is the SDK's spelling of `answer` (server-chat §3.6); `answer` wins when both are there.
  const key = isPresent(item.answer) ? 'answer' : isPresent(item.value) ? 'value' : null;
  const answer: PostedAnswer =
    key !== null
      ? readValues(item[key], `${at}.${key}`)
      : isEcho
        ? { kind: 'echo', ...readEchoedAnswer(item, at) }
        : { kind: 'values', values: [], field: `${at}.answer` };
  return { id, at, answer };
}

/** A posted answer as trimmed non-blank strings: text, or a list of texts (Checkbox, XML `<answer>`s). */
function readValues(raw: unknown, field: string): PostedAnswer {
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  const notText = list.findIndex((value) => typeof value !== 'string');
  if (notText !== -1) return { kind: 'not-text', field: Array.isArray(raw) ? `${field}[${notText}]` : field };
  const values = (list as string[]).map((value) => value.trim()).filter((value) => value !== '');
  return { kind: 'values', values, field };
}

/**
 * Answers of a structure echo without `answer` keys, as the agent spec allows (chat-agent §3.25):
 * checked entries of a selection question, `lastKnownValue` of a text question. An echo of the GET
 * as served (nothing checked, empty `lastKnownValue`) is an empty submission (server-chat §3.17).
 */
function readEchoedAnswer(
  item: Record<string, unknown>,
  at: string,
): { asText: PostedValues; asSelection: PostedValues } {
  const text = item.lastKnownValue;
  const values = asList(item.entry).flatMap((entry) => {
    if (!isRecord(entry)) return [];
    const checked =
      entry.checked === true || (typeof entry.checked === 'string' && /^true$/i.test(entry.checked.trim()));
    const value = checked ? readId(entry.value) : null;
    return value === null ? [] : [value];
  });
  return {
    asText: {
      values: typeof text === 'string' && text.trim() !== '' ? [text.trim()] : [],
      field: `${at}.lastKnownValue`,
    },
    asSelection: { values, field: `${at}.entry` },
  };
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

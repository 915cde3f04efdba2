/**
 * The survey model shared by the pre-chat, offline, exit and agent surveys (server-chat §5, chat-agent
 * §3.24): one structure, read leniently from a stored definition. Checking posted answers against it
 * lives in check-answers.ts, the shared types in survey-model.ts; both re-exported here. Reading a
 * submission from a body and rendering a survey are the transport's (src/http/legacy).
 */
import { isRecord } from '../guards.js';
import {
  asList,
  isTextType,
  readId,
  SELECTION_TYPES,
  TEXT_TYPES,
  type Survey,
  type SurveyEntry,
  type SurveyQuestion,
} from './survey-model.js';

export * from './survey-model.js';
export * from './check-answers.js';

const VALIDATION_TYPES: Record<string, SurveyQuestion['validationType']> = {
  alpha_numeric: 'alpha_numeric',
  // The field tables spell it `alphanumeric`; the examples `alpha_numeric` (server-chat §5).
  alphanumeric: 'alpha_numeric',
  numeric: 'numeric',
  email: 'email',
};

/**
 * Reads a stored survey definition (the survey object as its GET returns it, typed or string-typed).
 * Seeds copy the legacy examples, so every spelling the docs use is accepted (server-chat §5, §9 item 7):
 * numbers or strings for ids and order, booleans or "true"/"false", one element or an array for
 * `question`, `entry` and `showLogicId`, `alphanumeric` for `alpha_numeric`. Throws an Error naming the
 * problem when the definition cannot be served (no id, a question without id or with an unknown type).
 */
export function normalizeSurvey(definition: Record<string, unknown>): Survey {
  // Tolerate the whole GET body (`{"survey":{…}}`) as well as the survey object itself.
  const source = isRecord(definition.survey) && definition.questions === undefined ? definition.survey : definition;
  const id = readId(source.id ?? source['@id']);
  if (id === null) throw new Error('id: the survey has no id (a number or a non-blank string)');

  const field = source.questions;
  const listed = isRecord(field) ? field.question : field;
  const at = isRecord(field) ? 'questions.question' : 'questions';
  const questions = asList(listed).map((raw, index) =>
    normalizeQuestion(raw, Array.isArray(listed) ? `${at}[${index}]` : at, index),
  );

  const seen = new Set<string>();
  for (const question of questions) {
    if (seen.has(question.id)) throw new Error(`questions: question id ${question.id} is used twice`);
    seen.add(question.id);
  }
  // Render and validate in display order (server-chat §5: "render sorted by it"); sort is stable.
  questions.sort((a, b) => a.order - b.order);

  return {
    id,
    title: readText(source.title, 'title', ''),
    header: readText(source.header, 'header', ''),
    questions,
  };
}

/**
 * normalizeSurvey for the seed loader: checks the definition is an object and prefixes any problem
 * with where the survey sits in the seed (`accounts[0].surveys.preChat`), so a bad seed names its entry.
 */
export function parseSurveyForSeed(definition: unknown, where: string): Survey {
  if (!isRecord(definition)) throw new Error(`${where}: a survey must be an object`);
  try {
    return normalizeSurvey(definition);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${where}.${message}`, { cause: error });
  }
}

function normalizeQuestion(raw: unknown, at: string, index: number): SurveyQuestion {
  if (!isRecord(raw)) throw new Error(`${at}: a question must be an object`);
  const id = readId(raw.id ?? raw['@id']);
  if (id === null) throw new Error(`${at}.id: the question has no id (a number or a non-blank string)`);
  try {
    return readQuestion(raw, id, at, index);
  } catch (error) {
    // Name the question by id as well as by position: positions shift when someone edits the seed.
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message} (question ${id})`, { cause: error });
  }
}

function readQuestion(raw: Record<string, unknown>, id: string, at: string, index: number): SurveyQuestion {
  const type = canonicalType(raw.type, `${at}.type`);
  const text = isTextType(type);
  const entries = text
    ? []
    : asList(raw.entry).map((entry, e) =>
        normalizeEntry(entry, Array.isArray(raw.entry) ? `${at}.entry[${e}]` : `${at}.entry`),
      );
  if (!text && entries.length === 0) throw new Error(`${at}.entry: a ${type} question needs at least one entry`);
  const values = new Set<string>();
  for (const entry of entries) {
    if (values.has(entry.value)) throw new Error(`${at}.entry: the value "${entry.value}" is used twice`);
    values.add(entry.value);
  }

  return {
    id,
    // A question without an order keeps its place in the definition.
    order: raw.order === undefined || raw.order === null ? index : readNumber(raw.order, `${at}.order`),
    mandatory: readBoolean(raw.mandatory, `${at}.mandatory`),
    validationType: readValidationType(raw.validationType, `${at}.validationType`),
    logicId: readLogicId(raw.logicId, `${at}.logicId`),
    type,
    label: readText(raw.label, `${at}.label`, ''),
    lastKnownValue: text ? readOptionalText(raw.lastKnownValue, `${at}.lastKnownValue`) : null,
    entries,
  };
}

function normalizeEntry(raw: unknown, at: string): SurveyEntry {
  if (!isRecord(raw)) throw new Error(`${at}: an entry must be an object`);
  const value = raw.value;
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
    throw new Error(`${at}.value: an entry needs a value (a string or a number)`);
  }
  const logic = raw.logic;
  if (logic !== undefined && logic !== null && !isRecord(logic)) {
    throw new Error(`${at}.logic: must be an object with showLogicId`);
  }
  const showLogicIds = isRecord(logic)
    ? asList(logic.showLogicId).map((logicId) => {
        const read = readId(logicId);
        if (read === null) throw new Error(`${at}.logic.showLogicId: must be numbers or non-blank strings`);
        return read;
      })
    : [];
  return {
    value: String(value),
    displayValue: readOptionalText(raw.displayValue, `${at}.displayValue`),
    checked: readBoolean(raw.checked, `${at}.checked`),
    showLogicIds,
  };
}

function canonicalType(value: unknown, at: string): string {
  const wanted = typeof value === 'string' ? value.trim().replace(/\s+/g, ' ').toLowerCase() : '';
  const type = [...TEXT_TYPES, ...SELECTION_TYPES].find((known) => known.toLowerCase() === wanted);
  if (type === undefined) {
    throw new Error(
      `${at}: ${JSON.stringify(value ?? null)} is not one of ${[...TEXT_TYPES, ...SELECTION_TYPES].join(', ')}`,
    );
  }
  return type;
}

function readValidationType(value: unknown, at: string): SurveyQuestion['validationType'] {
  if (value === undefined || value === null || value === '') return 'alpha_numeric';
  const type = typeof value === 'string' ? VALIDATION_TYPES[value.trim().toLowerCase()] : undefined;
  if (type === undefined) {
    throw new Error(`${at}: ${JSON.stringify(value)} is not alpha_numeric, numeric or email`);
  }
  return type;
}

function readBoolean(value: unknown, at: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new Error(`${at}: ${JSON.stringify(value)} is not true or false`);
}

function readLogicId(value: unknown, at: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  const logicId = readId(value);
  if (logicId === null) throw new Error(`${at}: ${JSON.stringify(value)} is not a number or a non-blank string`);
  return logicId;
}

function readNumber(value: unknown, at: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number === 'number' && Number.isFinite(number)) return number;
  throw new Error(`${at}: ${JSON.stringify(value)} is not a number`);
}

function readText(value: unknown, at: string, fallback: string): string {
  return readOptionalText(value, at) ?? fallback;
}

function readOptionalText(value: unknown, at: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new Error(`${at}: ${JSON.stringify(value)} is not text`);
}

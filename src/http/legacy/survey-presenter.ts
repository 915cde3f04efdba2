import { isTextType, type Survey, type SurveyEntry, type SurveyQuestion } from '../../core/surveys/survey-model.js';

/** The four resources that serve a survey structure; each has its own typing and key order. */
export type SurveyResource = 'pre-chat' | 'offline' | 'exit' | 'agent';

/**
 * The legacy GET body of a survey, `{"survey":{…}}`, exactly as the spec's example for the resource.
 * Pre-chat, offline and agent surveys are string-typed, the exit survey typed with `displayValue` on
 * entries (server-chat §5 typing matrix, §9 item 7; chat-agent §3.24). One question, entry or
 * showLogicId is a bare object or scalar, an empty collection is omitted (server-chat §1.5). Key order
 * follows each example, because at least one client reads positionally (§1.5); see
 * docs/LEGACY-QUIRKS.md before "fixing" any of it.
 */
export function renderSurvey(survey: Survey, resource: SurveyResource): { survey: Record<string, unknown> } {
  const typed = resource === 'exit';
  const questions = survey.questions.map((question) => renderQuestion(question, resource));
  return {
    survey: {
      // Quirk: typed in the exit example only (server-chat §9 item 7).
      id: typed ? typedId(survey.id) : survey.id,
      title: survey.title,
      header: survey.header,
      questions: collection('question', questions),
    },
  };
}

function renderQuestion(question: SurveyQuestion, resource: SurveyResource): Record<string, unknown> {
  const typed = resource === 'exit';
  const id = typed ? typedId(question.id) : question.id;
  const logicId = question.logicId === null ? undefined : typed ? typedId(question.logicId) : question.logicId;
  const order = typed ? question.order : String(question.order);
  const mandatory = typed ? question.mandatory : String(question.mandatory);
  const tail = isTextType(question.type)
    ? { lastKnownValue: question.lastKnownValue ?? '' }
    : collection(
        'entry',
        question.entries.map((entry) => renderEntry(entry, typed)),
      );

  // Key order per resource, copied from each example (server-chat §3.4, §3.5, §3.16; chat-agent §3.24).
  // Undefined values (no logicId) are dropped by omitUndefined, keeping the order of the rest.
  switch (resource) {
    case 'exit':
      return omitUndefined({
        type: question.type,
        validationType: question.validationType,
        id,
        logicId,
        order,
        mandatory,
        label: question.label,
        ...tail,
      });
    case 'offline':
      return omitUndefined({
        mandatory,
        order,
        validationType: question.validationType,
        logicId,
        id,
        type: question.type,
        label: question.label,
        ...tail,
      });
    case 'pre-chat':
    case 'agent':
      return omitUndefined({
        mandatory,
        validationType: question.validationType,
        order,
        logicId,
        id,
        type: question.type,
        label: question.label,
        ...tail,
      });
  }
}

function renderEntry(entry: SurveyEntry, typed: boolean): Record<string, unknown> {
  const rendered: Record<string, unknown> = typed
    ? // The exit example's entries: typed `checked`, then value, then displayValue (server-chat §3.16).
      { checked: entry.checked, value: entry.value, displayValue: entry.displayValue ?? entry.value }
    : { checked: String(entry.checked), value: entry.value };
  if (entry.showLogicIds.length > 0) {
    const ids = entry.showLogicIds.map((logicId) => (typed ? typedId(logicId) : logicId));
    // One showLogicId is a scalar, several an array (server-chat §1.5).
    rendered.logic = { showLogicId: ids.length === 1 ? ids[0] : ids };
  }
  return rendered;
}

/** `{ [name]: item }` for one, `{ [name]: [items] }` for several, `{}` for none (server-chat §1.5). */
function collection(name: string, items: Record<string, unknown>[]): Record<string, unknown> {
  if (items.length === 0) return {};
  return { [name]: items.length === 1 ? items[0] : items };
}

/** A decimal integer id as a number (the typed exit survey); anything else stays a string. */
function typedId(id: string): number | string {
  const number = Number(id);
  return /^(0|[1-9]\d*)$/.test(id) && Number.isSafeInteger(number) ? number : id;
}

function omitUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

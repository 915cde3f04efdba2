import { ParleyError } from './errors.js';
import { asBoolean, asNumber, asText, listOf, member } from './json.js';

/** One option of a selection question. */
export interface SurveyEntry {
  /** What is submitted as the answer. */
  value: string;
  /** The label to show, when it differs (exit surveys). */
  displayValue?: string;
  /** Pre-selected. */
  checked: boolean;
  /** The `logicId`s of the questions that appear when this entry is chosen. */
  showLogicIds: string[];
}

/** One question of a survey (server-chat §5). */
export interface SurveyQuestion {
  /** The key of its answer in SurveyAnswers. */
  id: string;
  order: number;
  /** Must be answered, unless logic hides it. */
  mandatory: boolean;
  /** `Text Field`, `Text Area`, `Dropdown Box`, `Radio Button`, `Radio Button (side by side)`, `Checkbox`. */
  type: string;
  /** `alpha_numeric`, `numeric` or `email`. */
  validationType: string | undefined;
  /** What entries' `showLogicIds` refer to. */
  logicId: string | undefined;
  label: string;
  /** Text questions: the previous answer, to pre-fill. */
  lastKnownValue: string | undefined;
  /** Selection questions: the options. */
  entries: SurveyEntry[];
}

/**
 * A survey with typed values, whichever typing the resource used (strings in pre-chat, offline and
 * agent surveys, numbers and booleans in exit surveys; chat-agent-api §3.24).
 */
export interface Survey {
  id: string;
  title: string;
  header: string;
  /** In display order. */
  questions: SurveyQuestion[];
}

/** Answers by question id: one value, or several for a `Checkbox` question. */
export type SurveyAnswers = Readonly<Record<string, string | readonly string[]>>;

/** A survey body (`{"survey": …}`) as a Survey. */
export function parseSurvey(body: unknown): Survey {
  const survey = member(body, 'survey');
  const id = asText(member(survey, 'id'));
  if (id === undefined) throw new ParleyError({ status: 200, message: 'The answer is not a survey', body });
  const questions = listOf(member(member(survey, 'questions'), 'question')).map((question): SurveyQuestion => {
    const text = (key: string) => asText(member(question, key));
    return {
      id: text('id') ?? '',
      order: asNumber(member(question, 'order')) ?? 0,
      mandatory: asBoolean(member(question, 'mandatory')) ?? false,
      type: text('type') ?? '',
      validationType: text('validationType'),
      logicId: text('logicId'),
      label: text('label') ?? '',
      lastKnownValue: text('lastKnownValue'),
      entries: listOf(member(question, 'entry')).map((entry): SurveyEntry => {
        const displayValue = asText(member(entry, 'displayValue'));
        return {
          value: asText(member(entry, 'value')) ?? '',
          ...(displayValue === undefined ? {} : { displayValue }),
          checked: asBoolean(member(entry, 'checked')) ?? false,
          showLogicIds: listOf(member(member(entry, 'logic'), 'showLogicId')).flatMap((logicId) => {
            const value = asText(logicId);
            return value === undefined ? [] : [value];
          }),
        };
      }),
    };
  });
  return {
    id,
    title: asText(member(survey, 'title')) ?? '',
    header: asText(member(survey, 'header')) ?? '',
    questions: questions.sort((a, b) => a.order - b.order),
  };
}

/** The inner survey object of a submission: `{"id"?, "question": [{"id", "answer"}]}` (server-chat §5). */
export function surveySubmission(answers: SurveyAnswers, surveyId?: string | number): Record<string, unknown> {
  return {
    ...(surveyId === undefined ? {} : { id: surveyId }),
    question: Object.entries(answers).map(([id, answer]) => ({
      id,
      answer: typeof answer === 'string' ? answer : [...answer],
    })),
  };
}

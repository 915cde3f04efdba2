import type { Survey, SurveyAnswers, SurveyQuestion } from '@parley/sdk';

/** A form's answers while it is being filled in: text, or the chosen values of a checkbox question. */
export type DraftAnswers = Record<string, string | string[]>;

/** The values a question's answer currently holds. */
const chosen = (answer: string | string[] | undefined): string[] =>
  answer === undefined ? [] : Array.isArray(answer) ? answer : answer === '' ? [] : [answer];

/**
 * The questions to show: a question that some entry reveals (`showLogicId`) stays hidden until one
 * of those entries is chosen in a visible question (server-chat §5, "Logic").
 */
export function visibleQuestions(survey: Survey, answers: DraftAnswers): SurveyQuestion[] {
  const revealed = new Set(survey.questions.flatMap((q) => q.entries.flatMap((e) => e.showLogicIds)));
  const visible: SurveyQuestion[] = [];
  const shown = new Set<string>();
  // Display order is also dependency order in practice; repeat until stable for the rest.
  let changed = true;
  while (changed) {
    changed = false;
    for (const question of survey.questions) {
      if (shown.has(question.id)) continue;
      const isConditional = question.logicId !== undefined && revealed.has(question.logicId);
      const isRevealed =
        !isConditional ||
        visible.some((parent) =>
          parent.entries.some(
            (entry) =>
              entry.showLogicIds.includes(question.logicId ?? '') && chosen(answers[parent.id]).includes(entry.value),
          ),
        );
      if (isRevealed) {
        visible.push(question);
        shown.add(question.id);
        changed = true;
      }
    }
  }
  return survey.questions.filter((question) => shown.has(question.id));
}

/** The starting answers: pre-selected entries and last known values. */
export function initialAnswers(survey: Survey): DraftAnswers {
  const answers: DraftAnswers = {};
  for (const question of survey.questions) {
    if (question.type === 'Checkbox') {
      answers[question.id] = question.entries.filter((entry) => entry.checked).map((entry) => entry.value);
    } else if (question.entries.length > 0) {
      answers[question.id] = question.entries.find((entry) => entry.checked)?.value ?? '';
    } else {
      answers[question.id] = question.lastKnownValue ?? '';
    }
  }
  return answers;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong with one visible question's answer, if anything. */
export function problemOf(question: SurveyQuestion, answer: string | string[] | undefined): string | undefined {
  const values = chosen(answer).map((value) => value.trim());
  if (values.length === 0 || values.every((value) => value === '')) {
    return question.mandatory ? 'Please answer this question.' : undefined;
  }
  if (question.entries.length > 0) return undefined;
  const text = values[0] ?? '';
  if (question.validationType === 'numeric' && !Number.isFinite(Number(text))) return 'Please enter a number.';
  if (question.validationType === 'email' && !EMAIL.test(text)) return 'Please enter an e-mail address.';
  return undefined;
}

/** The answers to submit: visible questions only, empty ones left out. */
export function submittedAnswers(survey: Survey, answers: DraftAnswers): SurveyAnswers {
  const result: Record<string, string | string[]> = {};
  for (const question of visibleQuestions(survey, answers)) {
    const values = chosen(answers[question.id])
      .map((value) => value.trim())
      .filter((value) => value !== '');
    if (values.length === 0) continue;
    result[question.id] = question.type === 'Checkbox' ? values : (values[0] ?? '');
  }
  return result;
}

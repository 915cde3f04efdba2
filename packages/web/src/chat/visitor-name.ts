import type { Survey, SurveyAnswers } from '@parley/sdk';

/**
 * The visitor's name from the pre-chat answers: the answer to the first question whose label
 * mentions "name" ("What is your name?", "Your name"), so the agent can greet them by it.
 */
export function visitorNameFrom(survey: Survey, answers: SurveyAnswers): string | undefined {
  for (const question of survey.questions) {
    if (!/\bname\b/i.test(question.label)) continue;
    const answer = answers[question.id];
    const name = typeof answer === 'string' ? answer.trim() : '';
    if (name !== '') return name;
  }
  return undefined;
}

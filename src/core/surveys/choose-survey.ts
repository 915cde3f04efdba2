/**
 * Which survey a visitor gets (server-chat §3.4, §3.5, §3.16): the account's surveys are the default,
 * a skill may have its own pre-chat, exit and offline surveys, and `surveyApiId` names one survey of
 * the kind by id. Pure: the caller resolves skill names to ids.
 */
import type { AccountSurveys, SurveyDefinition } from '../model.js';
import { normalizeSurvey } from './surveys.js';

/** The survey kinds a skill may override (the agent survey stays account-wide). */
export type SkillSurveyKind = 'preChat' | 'exit' | 'offline';

export const SKILL_SURVEY_KINDS: readonly SkillSurveyKind[] = ['preChat', 'exit', 'offline'];

/** What a request says about the survey it wants. */
export interface SurveyChoice {
  /** `surveyApiId` of the GET, or the `survey.id` of a submission. */
  surveyId?: string | null | undefined;
  /** The skill the visitor asked for or the chat is routed to. */
  skillId?: number | null | undefined;
}

/**
 * The survey of `kind` for a GET: the one whose id is `surveyId` (undefined when no survey of the
 * kind has it: an API id names one survey, it does not fall back), else the skill's, else the
 * account's.
 */
export function surveyToShow(
  surveys: AccountSurveys,
  kind: SkillSurveyKind,
  choice: SurveyChoice,
): SurveyDefinition | undefined {
  if (choice.surveyId !== undefined && choice.surveyId !== null) return surveyWithId(surveys, kind, choice.surveyId);
  return surveyOfSkill(surveys, kind, choice.skillId);
}

/**
 * The survey a submission is checked against: the one it names by id, so that answers to a survey
 * fetched with `surveyApiId` are accepted; an id that names none falls back to the skill's or the
 * account's survey, whose check then reports the wrong id (400).
 */
export function surveyToCheck(
  surveys: AccountSurveys,
  kind: SkillSurveyKind,
  choice: SurveyChoice,
): SurveyDefinition | undefined {
  const named =
    choice.surveyId === undefined || choice.surveyId === null
      ? undefined
      : surveyWithId(surveys, kind, choice.surveyId);
  return named ?? surveyOfSkill(surveys, kind, choice.skillId);
}

function surveyOfSkill(
  surveys: AccountSurveys,
  kind: SkillSurveyKind,
  skillId: number | null | undefined,
): SurveyDefinition | undefined {
  const ofSkill = skillId === undefined || skillId === null ? undefined : surveys.skills?.[String(skillId)]?.[kind];
  return ofSkill ?? surveys[kind];
}

/** Every survey of the kind, the account's first, then the skills' in the order the seed gave them. */
function surveysOfKind(surveys: AccountSurveys, kind: SkillSurveyKind): SurveyDefinition[] {
  const all = [surveys[kind], ...Object.values(surveys.skills ?? {}).map((skill) => skill[kind])];
  return all.filter((definition): definition is SurveyDefinition => definition !== undefined);
}

function surveyWithId(surveys: AccountSurveys, kind: SkillSurveyKind, id: string): SurveyDefinition | undefined {
  const wanted = id.trim();
  // Definitions were checked when the seed was read; a bad one is skipped here, not served.
  return surveysOfKind(surveys, kind).find((definition) => idOf(definition) === wanted);
}

function idOf(definition: SurveyDefinition): string | undefined {
  try {
    return normalizeSurvey(definition).id;
  } catch {
    return undefined;
  }
}

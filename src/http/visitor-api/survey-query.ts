import type { FastifyRequest } from 'fastify';
import type { SurveyQuery } from '../../core/chats/visitor-surveys.js';
import { isRecord } from '../legacy/wire.js';

/**
 * What a survey GET asks for (server-chat §3.4, §3.5, §3.16): `surveyApiId`, the visitor's `skill`
 * by name and the SDK's `engSkillId` (the engagement's skill, `-1` for none). Blank values count as
 * absent; parameters of no meaning to Parley (`surveyName`, `visitorProfile`, …) are ignored.
 */
export function surveyQuery(request: FastifyRequest): SurveyQuery {
  const query = isRecord(request.query) ? request.query : {};
  const text = (name: string): string | undefined => {
    const value = query[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const surveyApiId = text('surveyApiId');
  const skill = text('skill');
  const engSkillId = text('engSkillId');
  return {
    ...(surveyApiId === undefined ? {} : { surveyApiId }),
    ...(skill === undefined ? {} : { skill }),
    ...(engSkillId !== undefined && /^\d{1,15}$/.test(engSkillId) ? { skillId: Number(engSkillId) } : {}),
  };
}

import { z } from 'zod';
import type { AudienceQuery } from '../../core/chats/capacity.js';
import type { OfflineSubmission } from '../../core/chats/visitor-surveys.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import { readSurveySubmission } from '../legacy/survey-submission.js';
import { wholeNumber } from '../legacy/whole-number.js';
import { isRecord } from '../legacy/wire.js';

const invalid = (field: string, message: string) => new AppError(ErrorCode.VALIDATION, message, { field });
const COMBINED = 'agent cannot be combined with skill, serviceQueue or maxWaitTime';

/** A query parameter: a string, with '' (and anything the lenient parser did not make a string) absent (§3.1). */
const param = z.preprocess(
  (value) => (typeof value === 'string' && value !== '' ? value : undefined),
  z.string().optional(),
);

/** The query of the availability resources (server-chat §3.1–3.3); `skills` is every `skill` given. */
const audienceParams = z.object({
  agent: param,
  skill: param,
  serviceQueue: param,
  maxWaitTime: param,
  skills: z.array(z.string()).default([]),
});
type AudienceParams = z.output<typeof audienceParams>;

/** `maxWaitTime`, 0–86400 (400 / 40 otherwise). */
const maxWaitTimeOf = (params: AudienceParams) => wholeNumber(params.maxWaitTime, 'maxWaitTime', 0, 86_400);

/**
 * The audience of an availability question (server-chat §3.1–3.3): one agent (`agent`, alone),
 * or a skill (`skill`, else `serviceQueue`, else any skill).
 */
function audienceOf(params: AudienceParams, options: { allowAgent: boolean }): AudienceQuery {
  const { agent, skill, serviceQueue, maxWaitTime } = params;
  if (agent !== undefined) {
    if (!options.allowAgent) throw invalid('agent', 'The estimated wait time is not available for one agent');
    if (skill !== undefined || serviceQueue !== undefined || maxWaitTime !== undefined)
      throw invalid('agent', COMBINED);
    return { kind: 'agent', loginName: agent };
  }
  return { kind: 'skill', skillName: skill ?? serviceQueue };
}

/** Availability (§3.1): one audience, or several skills at once (the SDK's multi-skill form). */
export const availabilityQuery = audienceParams.transform(
  (
    params,
  ):
    | { maxWaitTime: number | undefined; skills: string[] }
    | { maxWaitTime: number | undefined; audience: AudienceQuery } => {
    const maxWaitTime = maxWaitTimeOf(params);
    if (params.serviceQueue !== undefined && maxWaitTime === undefined) {
      throw invalid('serviceQueue', 'serviceQueue must come with maxWaitTime');
    }
    const skills = params.skills.filter((skill) => skill !== '');
    if (skills.length > 1) {
      if (params.agent !== undefined) throw invalid('agent', COMBINED);
      return { maxWaitTime, skills };
    }
    return { maxWaitTime, audience: audienceOf(params, { allowAgent: true }) };
  },
);

/** Available slots (§3.2): `maxWaitTime` is checked though it changes nothing. */
export const availableSlotsQuery = audienceParams.transform((params) => {
  maxWaitTimeOf(params);
  return audienceOf(params, { allowAgent: true });
});

/** Estimated wait time (§3.3): a skill's only. */
export const estimatedWaitTimeQuery = audienceParams.transform((params) => audienceOf(params, { allowAgent: false }));

/** Context fields of an offline submission, looked for inside `survey` and at the top (§3.6, §9 item 12). */
const OFFLINE_CONTEXT_FIELDS = ['LETagVisitorId', 'LETagSessionId', 'LETagContextId', 'visitorSessionId', 'visitorId'];

/** An offline message (§3.6): the survey's answers and the visitor context around them. */
export const offlineSubmissionBody = z.unknown().transform((body): OfflineSubmission => {
  const top = isRecord(body) ? body : {};
  const inner = isRecord(top.survey) ? top.survey : {};
  const field = (name: string): string | undefined => {
    const value = inner[name] ?? top[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 2_000) : undefined;
  };
  const optional = <K extends string>(key: K, value: string | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    answers: readSurveySubmission(body),
    ...optional('skill', field('skill')),
    ...optional('visitorIp', field('visitorIp')),
    ...optional('userAgent', field('userAgent')),
    ...optional('referrer', field('chatReferrer') ?? field('chatRefferer') ?? field('referrer')),
    context: Object.fromEntries(
      OFFLINE_CONTEXT_FIELDS.flatMap((name) => {
        const value = field(name);
        return value === undefined ? [] : [[name, value]];
      }),
    ),
  };
});

/** Visitor authentication (§3.7): the `ssoKey`, absent when not a non-empty string. */
export const conversationBody = z.unknown().transform((body) => {
  const ssoKey = isRecord(body) ? body.ssoKey : undefined;
  return typeof ssoKey === 'string' && ssoKey !== '' ? ssoKey : undefined;
});

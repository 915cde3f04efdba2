import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { Audience } from '../../core/chats/capacity.js';
import { wholeNumber } from '../../core/chats/chat-request.js';
import { ChatError, ErrorCode } from '../../core/errors.js';
import type { Account } from '../../core/model.js';
import { renderSurvey } from '../../core/surveys/surveys.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl, type PublicOriginConfig } from '../public-origin.js';
import { link, oneOrMany } from './chat-presenter.js';
import { optionalQuery, queryAll, visitorAccount, visitorOrigin } from './visitor-request.js';
import { idempotencyKeyOf } from '../legacy/idempotency-key.js';

const invalid = (field: string, message: string) => new ChatError(ErrorCode.VALIDATION, message, { field });

/** The query's `maxWaitTime`, 0–86400 (400 / 40 otherwise). */
const maxWaitTimeOf = (request: FastifyRequest) =>
  wholeNumber(optionalQuery(request, 'maxWaitTime'), 'maxWaitTime', 0, 86_400);

/**
 * The audience of an availability question (server-chat §3.1–3.3): one agent (`agent`, alone),
 * or a skill (`skill`, else `serviceQueue`, else any skill).
 */
async function audienceOf(
  request: FastifyRequest,
  core: Core,
  account: Account,
  options: { allowAgent: boolean },
): Promise<Audience> {
  const agent = optionalQuery(request, 'agent');
  const skill = optionalQuery(request, 'skill');
  const serviceQueue = optionalQuery(request, 'serviceQueue');
  if (agent !== undefined) {
    if (!options.allowAgent) throw invalid('agent', 'The estimated wait time is not available for one agent');
    if (skill !== undefined || serviceQueue !== undefined || optionalQuery(request, 'maxWaitTime') !== undefined) {
      throw invalid('agent', 'agent cannot be combined with skill, serviceQueue or maxWaitTime');
    }
    return { kind: 'agent', loginName: agent };
  }
  return core.chats.capacity.skillAudience(account, skill ?? serviceQueue);
}

/** Server Chat API resources of the account (server-chat §3.0–3.8, rows 0–8). */
export function registerVisitorAccountRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  const base = (request: FastifyRequest, account: Account) =>
    `${publicBaseUrl(request, origin)}/api/account/${account.id}`;

  // Row 0: the entry point SDKs resolve every account-level call from, by relation name (§3.0).
  registerResource(app, '', {
    GET: async (request, reply) => {
      const account = await visitorAccount(request, core);
      const url = base(request, account);
      return sendLegacy(reply, 200, {
        account: {
          '@id': account.id,
          link: [
            link(url, 'self'),
            link(`${url}/chat/availability`, 'chat-availability'),
            link(`${url}/chat/availableSlots`, 'chat-available-slots'),
            link(`${url}/chat/estimatedWaitTime`, 'chat-estimatedWaitTime'),
            link(`${url}/chat/request`, 'chat-request'),
            link(`${url}/chat/preSurvey`, 'prechat-survey'),
            link(`${url}/chat/offlineSurvey`, 'chat-offline-survey'),
          ],
        },
      });
    },
  });

  registerResource(app, '/chat/availability', {
    GET: async (request, reply) => {
      const account = await visitorAccount(request, core);
      const serviceQueue = optionalQuery(request, 'serviceQueue');
      const maxWaitTime = maxWaitTimeOf(request);
      if (serviceQueue !== undefined && maxWaitTime === undefined) {
        throw invalid('serviceQueue', 'serviceQueue must come with maxWaitTime');
      }
      const skills = queryAll(request, 'skill');
      if (skills.length > 1) {
        if (optionalQuery(request, 'agent') !== undefined) {
          throw invalid('agent', 'agent cannot be combined with skill, serviceQueue or maxWaitTime');
        }
        // Several skills at once: the SDK's multi-skill form (§3.1).
        const skillAvailability = [];
        for (const skill of skills) {
          const audience = await core.chats.capacity.skillAudience(account, skill);
          skillAvailability.push({
            skill,
            isAvailable: await core.chats.capacity.isAvailable(account, audience, maxWaitTime),
          });
        }
        return sendLegacy(reply, 200, { availability: { AvailabilityForSkills: { skillAvailability } } });
      }
      const audience = await audienceOf(request, core, account, { allowAgent: true });
      return sendLegacy(reply, 200, {
        availability: await core.chats.capacity.isAvailable(account, audience, maxWaitTime),
      });
    },
  });

  registerResource(app, '/chat/availableSlots', {
    GET: async (request, reply) => {
      const account = await visitorAccount(request, core);
      maxWaitTimeOf(request);
      const audience = await audienceOf(request, core, account, { allowAgent: true });
      return sendLegacy(reply, 200, { availableSlots: await core.chats.capacity.availableSlots(account, audience) });
    },
  });

  registerResource(app, '/chat/estimatedWaitTime', {
    GET: async (request, reply) => {
      const account = await visitorAccount(request, core);
      const audience = await audienceOf(request, core, account, { allowAgent: false });
      return sendLegacy(reply, 200, {
        estimatedWaitTime: await core.chats.capacity.estimatedWaitTime(account, audience),
      });
    },
  });

  // Parley's addition (docs/LEGACY-QUIRKS.md): the skills a visitor may choose from, each with
  // §3.1's availability, so a chat window can offer a choice without knowing the names beforehand.
  registerResource(app, '/chat/skills', {
    GET: async (request, reply) => {
      const account = await visitorAccount(request, core);
      const skill = oneOrMany(await core.chats.capacity.skillAvailability(account));
      return sendLegacy(reply, 200, { skills: skill === undefined ? null : { skill } });
    },
  });

  registerResource(app, '/chat/preSurvey', {
    GET: async (request, reply) => {
      const account = await visitorAccount(request, core);
      return sendLegacy(reply, 200, renderSurvey(await core.chats.surveys.preChat(account.id), 'pre-chat'));
    },
  });

  registerResource(app, '/chat/offlineSurvey', {
    GET: async (request, reply) => {
      const account = await visitorAccount(request, core);
      return sendLegacy(reply, 200, renderSurvey(await core.chats.surveys.offline(account.id), 'offline'));
    },
    PUT: async (request, reply) => {
      const account = await visitorAccount(request, core);
      await core.chats.surveys.submitOffline(account.id, request.body, visitorOrigin(request));
      return sendEmpty(reply);
    },
  });

  // Row 7: visitor authentication before an authenticated chat request (§3.7, §9 item 2: 200 + JSON).
  registerResource(app, '/conversation', {
    POST: async (request, reply) => {
      const account = await visitorAccount(request, core);
      const pair = await core.chats.visitorAuthentication.authenticate(account.id, request.body);
      return sendLegacy(
        reply,
        200,
        { participantId: pair.participantId, conversationId: pair.conversationId },
        { xmlRoot: 'conversation' },
      );
    },
  });

  // Row 8: 201, empty body, the chat's absolute URL in Location (§3.8, §9 item 1).
  registerResource(app, '/chat/request', {
    POST: async (request, reply) => {
      const account = await visitorAccount(request, core);
      const chat = await core.chats.start.start(
        account.id,
        request.body,
        visitorOrigin(request),
        idempotencyKeyOf(request),
      );
      reply.header('Location', `${base(request, account)}/chat/${chat.id}`);
      return sendEmpty(reply, 201);
    },
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { hasPathParam, pathParam, queryParam, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { isRecord } from '../legacy/wire.js';

/** The consumer sections a request names (`consumerSections`), as strings. */
function consumerSections(body: unknown): string[] {
  if (!isRecord(body) || !Array.isArray(body.consumerSections)) return [];
  return body.consumerSections.filter((section): section is string => typeof section === 'string');
}

/**
 * The part of LivePerson's App Engagement API (the `smt` host) that the JavaScript Chat SDK's
 * `getEngagement()` calls: `POST /api/account/{a}/app/engagement/visitors/{visitorId}?v=1.0&sid=…`
 * with `{appType, consumerSections, engagementAttributes, …}`. No app key: the SDK sends none here.
 */
export function registerEngagementRoutes(app: FastifyInstance, core: Core): void {
  const engage = async (request: FastifyRequest) => {
    const account = await core.accounts.require(pathParam(request, 'accountId'));
    return core.engagement.engage(account, {
      visitorId: hasPathParam(request, 'visitorId') ? pathParam(request, 'visitorId') : undefined,
      sessionId: queryParam(request, 'sid'),
      consumerSections: consumerSections(request.body),
    });
  };
  // The SDK leaves the visitor id empty on its first call (`…/visitors/?v=1.0`).
  for (const url of ['/visitors', '/visitors/', '/visitors/:visitorId']) {
    registerResource(app, url, {
      POST: async (request, reply) => sendLegacy(reply, 200, { ...(await engage(request)) }),
    });
  }
}

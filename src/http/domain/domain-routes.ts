import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { ChatError, ErrorCode } from '../../core/errors.js';
import { pathParam, queryParam, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicAuthority, type PublicOriginConfig } from '../public-origin.js';

/** A JavaScript identifier path such as `lpTag.csds.cb`: nothing else may become script. */
const CALLBACK_PATTERN = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/**
 * Domain API (platform §3): D1–D5 on `/api/…` and `/csdr/…`, `.json` optional (stripped before
 * routing), `version` optional, no authentication (any Authorization header is ignored).
 */
export function registerDomainRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  for (const prefix of ['/api', '/csdr']) {
    registerResource(app, `${prefix}/account/:accountId/service/baseURI`, {
      GET: async (request, reply) => {
        const baseURIs = await core.services.all(pathParam(request, 'accountId'), publicAuthority(request, origin));
        return sendLegacy(reply, 200, { baseURIs });
      },
    });
    registerResource(app, `${prefix}/account/:accountId/service/:serviceName/baseURI`, {
      GET: async (request, reply) => {
        const found = await core.services.one(
          pathParam(request, 'accountId'),
          pathParam(request, 'serviceName'),
          publicAuthority(request, origin),
        );
        return sendLegacy(reply, 200, { service: found.service, account: found.account, baseURI: found.baseURI });
      },
    });
  }

  // JSONP form read by LivePerson's browser chat SDK as data.ResultSet.lpData[0].lpServer (platform
  // §1.6). It asks for `adminArea`, which names this same server.
  registerResource(app, '/csdr/account/:accountId/service/:serviceName/baseURI.lpCsds', {
    GET: async (request, reply) => {
      const callback = queryParam(request, 'cb') ?? queryParam(request, 'callback');
      if (callback === undefined || !CALLBACK_PATTERN.test(callback)) {
        throw new ChatError(ErrorCode.VALIDATION, 'The cb parameter must be a JavaScript identifier', { field: 'cb' });
      }
      const serviceName = pathParam(request, 'serviceName');
      const accountId = pathParam(request, 'accountId');
      const authority = publicAuthority(request, origin);
      const found =
        serviceName === 'adminArea'
          ? await core.services.one(accountId, 'conversationVep', authority)
          : await core.services.one(accountId, serviceName, authority);
      const data = { ResultSet: { lpData: [{ lpServer: found.baseURI }] } };
      return reply.type('application/javascript').send(`${callback}(${JSON.stringify(data)});`);
    },
  });
}

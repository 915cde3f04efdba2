import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { pathParam, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicAuthority, type PublicOriginConfig } from '../public-origin.js';
import { jsonpQuerySchema } from './domain-schemas.js';

/** D1–D2 (platform §3): every service's host, or one service's. `.json` and `version` optional. */
function registerBaseUriResources(app: FastifyInstance, core: Core, origin: PublicOriginConfig, under: string): void {
  registerResource(app, `${under}/baseURI`, {
    GET: async (request, reply) => {
      const baseURIs = await core.services.all(pathParam(request, 'accountId'), publicAuthority(request, origin));
      return sendLegacy(reply, 200, { baseURIs });
    },
  });
  registerResource(app, `${under}/:serviceName/baseURI`, {
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

/**
 * The Domain API under `/api/account/{a}/service`: no authentication (any Authorization header is
 * ignored).
 */
export function registerServiceRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  registerBaseUriResources(app, core, origin, '');
}

/** The same under `/csdr`, plus the JSONP form LivePerson's browser chat SDK reads. */
export function registerCsdrRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  registerBaseUriResources(app, core, origin, '/account/:accountId/service');

  // The all-services JSONP form LivePerson's JavaScript Chat SDK 3.x starts with (getSiteDomain):
  // it takes `conversationVep` as its domain and `smt` as its engagement domain, and gives up
  // unless both are listed.
  registerResource(app, '/account/:accountId/service/baseURI.lpCsds', {
    GET: async (request, reply) => {
      const callback = parseInput(jsonpQuerySchema, request.query);
      const baseURIs = await core.services.all(pathParam(request, 'accountId'), publicAuthority(request, origin));
      const data = { ResultSet: { lpData: { baseURIs } } };
      return reply.type('application/javascript').send(`${callback}(${JSON.stringify(data)});`);
    },
  });

  // The single-service JSONP form older browser tools read as data.ResultSet.lpData[0].lpServer
  // (platform §1.6).
  registerResource(app, '/account/:accountId/service/:serviceName/baseURI.lpCsds', {
    GET: async (request, reply) => {
      const callback = parseInput(jsonpQuerySchema, request.query);
      const found = await core.services.forBrowserSdk(
        pathParam(request, 'accountId'),
        pathParam(request, 'serviceName'),
        publicAuthority(request, origin),
      );
      const data = { ResultSet: { lpData: [{ lpServer: found.baseURI }] } };
      return reply.type('application/javascript').send(`${callback}(${JSON.stringify(data)});`);
    },
  });
}

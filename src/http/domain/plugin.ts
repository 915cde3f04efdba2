import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { envelope } from '../legacy/error-table.js';
import type { LegacyApi } from '../legacy/legacy-api.js';
import { mountLegacyApi, type EdgeRules } from '../legacy/mount-api.js';
import type { PublicOriginConfig } from '../public-origin.js';
import { registerCsdrRoutes, registerServiceRoutes } from './domain-routes.js';

/** Domain API (platform §3): JSON only, any origin, the Login Service's time form. */
export const DOMAIN_API: LegacyApi = {
  name: 'Domain API',
  errorTime: 'login-service',
  negotiatesXml: false,
  cors: 'any-origin',
  budget: 'by-credential',
  // An unknown account is 404, never 401 (platform §3.5, A6).
  errorOverrides: { ACCOUNT_INVALID: envelope(404, 6) },
};

/** Under `/api/account/{a}/service` and the whole of `/csdr` (LivePerson's older host path). */
export const registerDomainApi = (app: FastifyInstance, core: Core, origin: PublicOriginConfig, edge: EdgeRules) =>
  mountLegacyApi(app, DOMAIN_API, edge, [
    { prefix: '/api/account/:accountId/service', routes: (scope) => registerServiceRoutes(scope, core, origin) },
    { prefix: '/csdr', routes: (scope) => registerCsdrRoutes(scope, core, origin) },
  ]);

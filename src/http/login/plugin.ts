import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { LegacyApi } from '../legacy/legacy-api.js';
import { mountLegacyApi, type EdgeRules } from '../legacy/mount-api.js';
import type { PublicOriginConfig } from '../public-origin.js';
import {
  authenticateLoginSession,
  registerLoginResource,
  registerLogoutResource,
  registerRefreshResource,
} from './login-routes.js';

/** Login Service (platform §4): JSON only, allow-listed origins with credentials, its own time form. */
export const LOGIN_API: LegacyApi = {
  name: 'Login Service',
  errorTime: 'login-service',
  negotiatesXml: false,
  cors: 'allow-listed',
  budget: 'by-credential',
};

/**
 * Three resources beside the Server Chat API's under the account path, each its own prefix so that
 * whatever lies below them is answered by the Login Service's rules, not the visitor API's.
 */
export const registerLoginApi = (app: FastifyInstance, core: Core, origin: PublicOriginConfig, edge: EdgeRules) =>
  mountLegacyApi(app, LOGIN_API, edge, [
    { prefix: '/api/account/:accountId/login', routes: (scope) => registerLoginResource(scope, core, origin) },
    {
      prefix: '/api/account/:accountId/refresh',
      authenticate: authenticateLoginSession(core),
      routes: (scope) => registerRefreshResource(scope, core),
    },
    {
      prefix: '/api/account/:accountId/logout',
      authenticate: authenticateLoginSession(core),
      routes: (scope) => registerLogoutResource(scope, core),
    },
  ]);

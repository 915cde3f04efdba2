import type { FastifyInstance } from 'fastify';
import type { LegacyApi } from '../legacy/legacy-api.js';
import { mountLegacyApi, type EdgeRules } from '../legacy/mount-api.js';

/**
 * Account configuration (platform §1.5, §1.6): no resource is served yet, but its paths already
 * answer by the platform's rules — the Login Service's time form, allow-listed origins with
 * credentials — so that a client probing them is told the truth in the form it expects.
 */
export const CONFIGURATION_API: LegacyApi = {
  name: 'Account Configuration',
  errorTime: 'login-service',
  negotiatesXml: false,
  cors: 'allow-listed',
  budget: 'by-credential',
};

export const registerConfigurationApi = (app: FastifyInstance, edge: EdgeRules) =>
  mountLegacyApi(app, CONFIGURATION_API, edge, [{ prefix: '/api/account/:accountId/configuration', routes: () => {} }]);

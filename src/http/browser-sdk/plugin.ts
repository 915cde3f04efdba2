import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { LegacyApi } from '../legacy/legacy-api.js';
import { mountLegacyApi, type EdgeRules } from '../legacy/mount-api.js';
import { registerBridgePages } from './bridge-page.js';
import { registerEngagementRoutes } from './engagement-routes.js';
import { registerJs2RestRoutes } from './js2rest-routes.js';

/**
 * The App Engagement API (LivePerson's `smt` service, the part the JavaScript Chat SDK asks):
 * JSON only, any origin reflected without credentials (a chat window runs on the brand's site),
 * no app key, counted by the visitor's address like the Server Chat API.
 */
export const APP_ENGAGEMENT_API: LegacyApi = {
  name: 'App Engagement API',
  errorTime: 'iso-8601',
  negotiatesXml: false,
  cors: 'reflect-origin',
  budget: 'by-visitor-address',
};

/**
 * The SDK's JSONP transport: a script answer whatever happens, so no CORS; the REST call it
 * carries spends its own API's budget.
 */
export const JS2REST: LegacyApi = {
  name: 'js2rest (JSONP transport)',
  errorTime: 'iso-8601',
  negotiatesXml: false,
  cors: 'none',
  budget: 'by-visitor-address',
};

/**
 * What LivePerson's JavaScript Chat SDK (lpChat.min.js) needs besides the Server Chat API to run
 * unchanged from a page on another origin: its bridge pages (postmessage transport), its JSONP
 * transport and the engagement lookup of `getEngagement()`.
 */
export async function registerBrowserSdkSupport(app: FastifyInstance, core: Core, edge: EdgeRules): Promise<void> {
  registerBridgePages(app);
  await mountLegacyApi(app, APP_ENGAGEMENT_API, edge, [
    { prefix: '/api/account/:accountId/app/engagement', routes: (scope) => registerEngagementRoutes(scope, core) },
  ]);
  await mountLegacyApi(app, JS2REST, edge, [
    { prefix: '/api/account/:accountId/js2rest', routes: (scope) => registerJs2RestRoutes(scope, app) },
  ]);
}

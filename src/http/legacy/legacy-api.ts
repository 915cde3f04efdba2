import type { FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../core/errors.js';
import type { ErrorMapping } from './error-table.js';

/**
 * Who may read an API's answers from a browser (platform §1.6): the Domain API any origin with `*`;
 * the Server Chat API any origin, reflected, without credentials; the Login Service, the Chat Agent
 * API and account configuration only allow-listed origins, with credentials (the session cookie
 * travels); web pages and /health no CORS at all.
 */
export type CorsRule = 'any-origin' | 'reflect-origin' | 'allow-listed' | 'none';

/**
 * What distinguishes one legacy API from another at the edge: every rule that used to be guessed
 * from a request's path. Each API's plugin declares its own and stamps it on each of its routes
 * (mount-api.ts), so hooks, the error handler and the not-found answer read it from the route.
 */
export interface LegacyApi {
  /** For logs and ARCHITECTURE.md; not on the wire. */
  readonly name: string;
  /** The error envelope's time form (platform §1.5): ISO-8601 in the chat APIs, the Login Service's elsewhere. */
  readonly errorTime: 'iso-8601' | 'login-service';
  /**
   * Whether answers follow the `.json`/`.xml` suffix and Accept (Chat Agent API §1.3, Server Chat
   * API §1.5); otherwise JSON whatever the client asks (platform §3.2).
   */
  readonly negotiatesXml: boolean;
  readonly cors: CorsRule;
  /**
   * Whether it spends request budgets (platform §6.3), and whose besides the account's: visitors
   * of a site share its public app key, so they are told apart by address.
   */
  readonly budget: 'by-credential' | 'by-visitor-address' | 'none';
  /** Where this API answers a core error differently from the shared table. */
  readonly errorOverrides?: Partial<Record<ErrorCode, ErrorMapping>>;
}

/** Web pages, /health and any path outside the legacy APIs. */
export const OUTSIDE_APIS: LegacyApi = {
  name: 'none',
  errorTime: 'login-service',
  negotiatesXml: false,
  cors: 'none',
  budget: 'none',
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The legacy API a route (or a not-found answer) belongs to; absent outside them. */
    api?: LegacyApi;
  }
}

/** The API of the route a request was routed to (also of the not-found answer of an API's prefix). */
export const apiOf = (request: FastifyRequest): LegacyApi => request.routeOptions.config.api ?? OUTSIDE_APIS;

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { apiOf, type LegacyApi } from './legacy-api.js';
import { renderXml } from './xml-codec.js';
import { isoWithOffset, loginServiceTime } from './time-format.js';
import { responseStatusName } from './error-table.js';

export type LegacyFormat = 'json' | 'xml';

/** What the representation layer decided about a request before its handler runs. */
export interface LegacyContext {
  api: LegacyApi;
  format: LegacyFormat;
  accountId: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    legacy: LegacyContext;
  }
}

/** The `.json`/`.xml` suffix found by rewriteUrl, kept per raw request until routing is done. */
const suffixFormats = new WeakMap<IncomingMessage, LegacyFormat>();
/**
 * Each routed request's context, kept with its raw request: decided once, and still there for an
 * answer written below Fastify (client-error.ts: a body that never arrives).
 */
const rawContexts = new WeakMap<IncomingMessage, LegacyContext>();

export const rememberSuffixFormat = (raw: IncomingMessage, format: LegacyFormat | undefined): void => {
  if (format !== undefined) suffixFormats.set(raw, format);
};

/**
 * Decided once per request from the API of its route: format selection (Chat Agent API §1.3,
 * Server Chat API §1.5) — the suffix wins, then Accept, else JSON; the Login Service and the Domain
 * API speak JSON only (a client sending no Accept must still get JSON, platform §3.2).
 */
export function legacyContextOf(request: FastifyRequest): LegacyContext {
  const known = rawContexts.get(request.raw);
  if (known !== undefined) return known;
  const api = apiOf(request);
  const accountId = pathParamOrUndefined(request, 'accountId');
  const context: LegacyContext = { api, format: api.negotiatesXml ? negotiatedFormat(request.raw) : 'json', accountId };
  rawContexts.set(request.raw, context);
  return context;
}

/** The context of a raw request Fastify has routed, if any. */
export const routedContextOf = (raw: IncomingMessage): LegacyContext | undefined => rawContexts.get(raw);

function negotiatedFormat(raw: IncomingMessage): LegacyFormat {
  const suffix = suffixFormats.get(raw);
  if (suffix !== undefined) return suffix;
  const accept = (raw.headers.accept ?? '').toLowerCase();
  const wantsXml = /\b(application|text)\/xml\b/.test(accept) && !accept.includes('application/json');
  return wantsXml ? 'xml' : 'json';
}

/**
 * Sends a legacy document in the negotiated format. JSON carries exactly `application/json`
 * (no charset: LivePerson's browser SDK compares the header verbatim, server-chat §1.5).
 */
export function sendLegacy(
  reply: FastifyReply,
  status: number,
  document: Record<string, unknown>,
  options: { xmlRoot?: string } = {},
): FastifyReply {
  const { type, body } = renderLegacy(reply.request.legacy.format, document, options.xmlRoot);
  // Sent as bytes: Fastify would append `; charset=utf-8` to a string's JSON content type.
  return reply.code(status).type(type).send(body);
}

/** A legacy document as bytes in `format`, with its content type. */
export function renderLegacy(
  format: LegacyFormat,
  document: Record<string, unknown>,
  xmlRoot = 'response',
): { type: string; body: Buffer } {
  if (format === 'xml') {
    // XML has one root; a JSON body with several top-level keys gets `xmlRoot` around it.
    const rooted = Object.keys(document).length === 1 ? document : { [xmlRoot]: document };
    return { type: 'application/xml; charset=utf-8', body: Buffer.from(renderXml(rooted), 'utf8') };
  }
  return { type: 'application/json', body: Buffer.from(JSON.stringify(document), 'utf8') };
}

/** An empty-bodied success (`Content-Length: 0`, no Content-Type), as refresh and logout answer. */
export function sendEmpty(reply: FastifyReply, status = 200): FastifyReply {
  return reply.code(status).send();
}

/** The shared error envelope (platform §1.5), with the time form of the request's API. */
export function errorEnvelope(request: FastifyRequest, status: number, internalCode: number, message: string) {
  return envelopeOf(request.legacy.api.errorTime, status, internalCode, message);
}

/** The envelope in a given time form (ISO-8601 when no request was read to tell the API: client-error.ts). */
export function envelopeOf(errorTime: LegacyApi['errorTime'], status: number, internalCode: number, message: string) {
  const now = Date.now();
  return {
    error: {
      time: errorTime === 'iso-8601' ? isoWithOffset(now) : loginServiceTime(now),
      message,
      internalCode,
      responseStatus: responseStatusName[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'),
    },
  };
}

/** `Retry-After` in whole seconds, at least 1 (a 0 would invite an immediate retry storm). */
export const retryAfterSeconds = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));

export function sendError(reply: FastifyReply, status: number, internalCode: number, message: string): FastifyReply {
  return sendLegacy(reply, status, errorEnvelope(reply.request, status, internalCode, message));
}

/** One query parameter as a string (the lenient parser gives strings; anything else is absent). */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const query: unknown = request.query;
  if (typeof query !== 'object' || query === null) return undefined;
  const value: unknown = Reflect.get(query, name);
  return typeof value === 'string' ? value : undefined;
}

const pathParamOrUndefined = (request: FastifyRequest, name: string): string | undefined => {
  const params: unknown = request.params;
  if (typeof params !== 'object' || params === null) return undefined;
  const value: unknown = Reflect.get(params, name);
  return typeof value === 'string' ? value : undefined;
};

/** Whether the route has the path parameter (and the request a value for it). */
export const hasPathParam = (request: FastifyRequest, name: string): boolean =>
  pathParamOrUndefined(request, name) !== undefined;

/** One path parameter as a string ('' when absent). */
export const pathParam = (request: FastifyRequest, name: string): string => pathParamOrUndefined(request, name) ?? '';

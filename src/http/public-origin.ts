import type { FastifyRequest } from 'fastify';

/** A bare authority: host or host:port, IPv6 in brackets (platform §1.1: no scheme, no path). */
export const AUTHORITY_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export interface PublicOriginConfig {
  /** PARLEY_PUBLIC_HOST; when unset each request's Host header is used. */
  publicHost: string | undefined;
  /** Used when the request carries no usable Host header. */
  fallbackAuthority: string;
  /** The server itself speaks TLS. */
  isTls: boolean;
}

/**
 * The public origin links and Domain API answers are built with. A Host header that is not a
 * plain authority is ignored, so nobody can make the server advertise or link to their host.
 */
export function publicAuthority(request: FastifyRequest, config: PublicOriginConfig): string {
  if (config.publicHost !== undefined) return config.publicHost;
  const host = request.host;
  return AUTHORITY_PATTERN.test(host) ? host : config.fallbackAuthority;
}

/**
 * `https` when the server or the proxy in front of it speaks TLS; plain `http` on a development
 * server, because links a client cannot follow help nobody (docs/LEGACY-QUIRKS.md).
 */
export function publicScheme(request: FastifyRequest, config: PublicOriginConfig): 'http' | 'https' {
  return config.isTls || request.protocol === 'https' ? 'https' : 'http';
}

export function publicBaseUrl(request: FastifyRequest, config: PublicOriginConfig): string {
  return `${publicScheme(request, config)}://${publicAuthority(request, config)}`;
}

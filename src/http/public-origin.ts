import { hostname, networkInterfaces } from 'node:os';
import type { FastifyRequest } from 'fastify';

/** A bare authority: host or host:port, IPv6 in brackets (platform §1.1: no scheme, no path). */
export const AUTHORITY_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export interface PublicOriginConfig {
  /** PARLEY_PUBLIC_HOST; when unset an allowed Host header is used. */
  publicHost: string | undefined;
  /** The configured listen address; used when the request's Host is missing or not allowed. */
  fallbackAuthority: string;
  /** The server itself speaks TLS. */
  isTls: boolean;
  /**
   * Hosts a Host header may name when publicHost is unset, beside loopback names and the
   * fallback's host: `name` (any port) or `name:port` (PARLEY_ALLOWED_HOSTS, the machine's names).
   */
  allowedHosts?: readonly string[];
  /**
   * Set on the plain-HTTP listener beside HTTPS (platform §3.4): the HTTPS port, which its Domain
   * API advertises and its redirects name instead of the port the request came to.
   */
  httpsPort?: number;
}

/** Splits `host[:port]` (`[v6][:port]` too) into a lower-case host and the port, if any. */
function splitAuthority(authority: string): { host: string; port: string | undefined } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(authority);
  return { host: (match?.[1] ?? authority).toLowerCase(), port: match?.[2] };
}

const isLoopback = (host: string) =>
  host === 'localhost' || host.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(host) || host === '[::1]';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]']);

/**
 * Whether a Host header may be reflected in links and Domain API answers: loopback names (a link
 * to the visitor's own machine serves no attacker), the configured listen address, and
 * `allowedHosts`. Anything else could be a forged Host poisoning a cache or a shared link.
 */
export function isAllowedHost(authority: string, config: PublicOriginConfig): boolean {
  if (!AUTHORITY_PATTERN.test(authority)) return false;
  const { host, port } = splitAuthority(authority);
  if (isLoopback(host)) return true;
  const listening = splitAuthority(config.fallbackAuthority).host;
  if (host === listening && !WILDCARD_HOSTS.has(listening)) return true;
  return (config.allowedHosts ?? []).some((entry) => {
    const allowed = splitAuthority(entry);
    return allowed.host === host && (allowed.port === undefined || allowed.port === port);
  });
}

/**
 * The public origin links and Domain API answers are built with: PARLEY_PUBLIC_HOST, else the
 * request's Host when isAllowedHost accepts it, else the listen address (docs/adr/0007-bounded-edge.md).
 * Falling back rather than refusing keeps a health check or a client with an odd Host working.
 */
export function publicAuthority(request: FastifyRequest, config: PublicOriginConfig): string {
  const { httpsPort } = config;
  if (config.publicHost !== undefined || httpsPort === undefined)
    return authorityOf(request, config, (host) => isAllowedHost(host, config));
  // Over plain HTTP the client is sent on to HTTPS: the host it named, on the HTTPS port.
  const { host } = splitAuthority(request.host);
  const named = httpsPort === 443 ? host : `${host}:${httpsPort}`;
  return isAllowedHost(named, config) ? named : config.fallbackAuthority;
}

/**
 * The authority an OAuth 1.0 signature is checked against: the one the client addressed. Nothing
 * is reflected, so any plain authority will do; PARLEY_PUBLIC_HOST wins, as a proxy may rewrite Host.
 */
export function signedAuthority(request: FastifyRequest, config: PublicOriginConfig): string {
  return authorityOf(request, config, (host) => AUTHORITY_PATTERN.test(host));
}

/** PARLEY_PUBLIC_HOST, else the request's Host if `isAccepted`, else the listen address. */
function authorityOf(request: FastifyRequest, config: PublicOriginConfig, isAccepted: (host: string) => boolean) {
  if (config.publicHost !== undefined) return config.publicHost;
  return isAccepted(request.host) ? request.host : config.fallbackAuthority;
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

/**
 * The authority of the listen address, for links when no Host may be used: an IPv6 address in
 * brackets, and this machine's name for a wildcard (0.0.0.0, ::), which no client can reach it by.
 */
export function listenAuthority(host: string, port: number): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return `${WILDCARD_HOSTS.has(bracketed) ? hostname() : bracketed}:${port}`;
}

/** This machine's host name and interface addresses (IPv6 in brackets), any port. */
export function machineHosts(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => (entry.family === 'IPv6' ? `[${entry.address.split('%')[0] ?? entry.address}]` : entry.address));
  return [hostname(), ...addresses].filter((name) => AUTHORITY_PATTERN.test(name));
}

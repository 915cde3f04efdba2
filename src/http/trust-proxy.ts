import { isIP } from 'node:net';

/**
 * Which proxies' X-Forwarded-* headers are believed (Fastify's `trustProxy`, via proxy-addr):
 * none; the nearest `n` hops, so request.ip is the address the outermost trusted proxy saw; or
 * peers at these addresses/CIDRs. Never "all": proxies that append (nginx's
 * $proxy_add_x_forwarded_for, AWS ALB) pass the client's own X-Forwarded-For on, and trusting
 * every hop would let a client pick request.ip as the leftmost entry.
 */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for the reserved ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Whether `entry` is an address, address/prefix-length or a range name proxy-addr knows. */
export function isProxyAddress(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * PARLEY_TRUST_PROXY: `false`, a hop count, or a comma-separated list of proxy addresses/CIDRs.
 * `true` is kept from when it was a switch and means one hop (one proxy in front). Returns a
 * problem to report, or the setting.
 */
export function parseTrustProxy(text: string): TrustProxy | { problem: string } {
  if (text === 'false') return false;
  if (text === 'true') return 1;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops >= 1 && hops <= 16 ? hops : { problem: `"${text}" must be from 1 to 16 proxies in front` };
  }
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const wrong = entries.find((entry) => !isProxyAddress(entry));
  if (entries.length === 0 || wrong !== undefined) {
    return {
      problem: `"${wrong ?? text}" must be false, a number of proxies (1, 2) or proxy addresses/CIDRs like 10.0.0.0/8`,
    };
  }
  return entries;
}

/**
 * The setting in the form Fastify's types take: a hop count as proxy-addr applies one (the peer is
 * hop 0, then X-Forwarded-For from right to left), since the types omit numbers.
 */
export function fastifyTrustProxy(
  setting: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

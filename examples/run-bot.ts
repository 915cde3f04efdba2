/**
 * How every example bot starts: it says where it is connecting (a login the server does not answer
 * is retried for about 30 s, platform §6.1, which would otherwise look like a hang), logs in, and
 * when that fails prints one line saying why and exits 1, instead of a stack trace.
 *
 * PARLEY_LOGIN_RETRY_DELAYS_MS sets the pauses before the login's retries, comma-separated
 * (default 5000,10000,15000; empty: no retry), e.g. to fail at once in a script.
 */
import { AgentClient, ParleyError, type AgentLoginOptions } from '@parley/sdk';
import { demoCredentials, demoServer } from './demo-credentials.js';

/** Logs in as PARLEY_USER (default `defaultUser`) on PARLEY_URL, or prints why not and exits 1. */
export async function connectBot(
  defaultUser: string,
  options: Pick<AgentLoginOptions, 'onError'> = {},
): Promise<AgentClient> {
  const credentials = demoCredentials(defaultUser);
  console.log(
    `Connecting to Parley at ${demoServer.baseUrl} (account ${demoServer.accountId}) as ${credentials.username}…`,
  );
  try {
    return await AgentClient.login({
      ...demoServer,
      ...credentials,
      ...options,
      ...loginRetryFromEnvironment(process.env.PARLEY_LOGIN_RETRY_DELAYS_MS),
    });
  } catch (error) {
    console.error(loginFailure(demoServer.baseUrl, credentials.username, error));
    process.exit(1);
  }
}

/** The retry delays PARLEY_LOGIN_RETRY_DELAYS_MS asks for, as login options (none: the defaults). */
export function loginRetryFromEnvironment(value: string | undefined): Pick<AgentLoginOptions, 'retry'> {
  if (value === undefined) return {};
  const delaysMs = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(Number);
  if (delaysMs.some((delay) => !Number.isFinite(delay) || delay < 0)) {
    throw new Error(`PARLEY_LOGIN_RETRY_DELAYS_MS: expected milliseconds separated by commas, got "${value}"`);
  }
  return { retry: { delaysMs } };
}

/** The one line a failed login prints: the server unreachable, or its refusal. */
export function loginFailure(url: string, username: string, error: unknown): string {
  if (error instanceof ParleyError && !error.isNetworkError) {
    return `Parley at ${url} refused to log in ${username}: ${error.message} (HTTP ${error.status})`;
  }
  if (error instanceof ParleyError) {
    return `Cannot reach Parley at ${url}: ${networkReason(error)}. Is the server running? (npm start)`;
  }
  return `Cannot log in to Parley at ${url}: ${error instanceof Error ? error.message : String(error)}`;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'no answer in time',
  UND_ERR_CONNECT_TIMEOUT: 'no answer in time',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
};

/**
 * Why no answer came, in words: the system error code found down the error's causes (fetch wraps
 * it as "fetch failed", and a host with several addresses as an AggregateError), else the
 * innermost message.
 */
export function networkReason(error: unknown): string {
  let innermost = error instanceof Error ? error.message : String(error);
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!(current instanceof Error) || seen.has(current)) continue;
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code in REASONS) return REASONS[code] ?? code;
    if (current.message !== '') innermost = current.message;
    if (current instanceof AggregateError) queue.push(...(current.errors as unknown[]));
    queue.push(current.cause);
  }
  return innermost;
}

import { readFileSync } from 'node:fs';
import { parseDatabaseUrl, type DatabaseLocation } from './store/open-store.js';
import { DEFAULT_POSTGRES_POOL_SIZE, DEFAULT_POSTGRES_TIMEOUTS, type PostgresTimeouts } from './store/open-postgres.js';
import { AUTHORITY_PATTERN } from './http/public-origin.js';
import { parseSmtpConfig, type SmtpConfig } from './mail/smtp-config.js';
import { ConfigError } from './config-error.js';
import type { RateBudget } from './core/ports.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './http/client-error.js';
import { parseTrustProxy, type TrustProxy } from './http/trust-proxy.js';

// Re-exported: the CLI and tests catch it where they load the configuration.
export { ConfigError };

export interface Config {
  port: number;
  /**
   * PARLEY_HTTP_PORT: with TLS, a second, plain-HTTP port serving the Domain API and redirecting
   * everything else to HTTPS (platform §3.4: clients look hosts up over http://).
   */
  httpPort: number | undefined;
  host: string;
  databaseUrl: string;
  database: DatabaseLocation;
  /**
   * PARLEY_PG_CONNECT_TIMEOUT_MS, PARLEY_PG_STATEMENT_TIMEOUT_MS, PARLEY_PG_QUERY_TIMEOUT_MS: how
   * long PostgreSQL may take before a request answers a retryable 503 instead of hanging.
   */
  postgresTimeouts: PostgresTimeouts;
  /** PARLEY_PG_POOL_SIZE: PostgreSQL connections this process opens at most. */
  postgresPoolSize: number;
  seedPath: string | undefined;
  tls: { cert: Buffer; key: Buffer } | undefined;
  publicHost: string | undefined;
  /** PARLEY_ALLOWED_HOSTS: Host headers (name or name:port) links may use when publicHost is unset. */
  allowedHosts: string[];
  /** 32 bytes from PARLEY_SECRET_KEY, or undefined to use (and create) the key file. */
  secretKey: Uint8Array | undefined;
  secretKeyFile: string;
  corsOrigins: string[];
  /** PARLEY_TRUST_PROXY: whose X-Forwarded-* to believe (src/http/trust-proxy.ts). */
  trustProxy: TrustProxy;
  logLevel: string;
  /** PARLEY_SMTP_URL / PARLEY_SMTP_FROM; transcripts by e-mail are off without it. */
  smtp: SmtpConfig | undefined;
  /** Request budgets (platform §6.3): per account, and per credential or visitor address. */
  rateLimits: { account: RateBudget; credential: RateBudget };
  /** PARLEY_DRAIN_TIMEOUT_MS: how long a shutdown waits for requests in flight (docs/adr/0006). */
  drainTimeoutMs: number;
  /** PARLEY_REQUEST_TIMEOUT_MS: how long a client may take to send a whole request (408 after). */
  requestTimeoutMs: number;
  /**
   * PARLEY_REDIS_URL (redis:// or rediss://): what several nodes share (the event bus, request
   * budgets); without it the in-memory adapters serve one node.
   */
  redisUrl: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the configuration from the environment (README, "Configuration"); throws ConfigError. */
export function loadConfig(env: Env = process.env): Config {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const port = readPort('PORT', value('PORT') ?? '8080');

  const databaseUrl = value('PARLEY_DATABASE_URL') ?? 'sqlite:./data/parley.db';
  const database = parseDatabaseUrl(databaseUrl);
  if (database === undefined) {
    throw new ConfigError('PARLEY_DATABASE_URL', 'must be sqlite:<path> or postgres://user@host/database');
  }

  const certPath = value('PARLEY_TLS_CERT');
  const keyPath = value('PARLEY_TLS_KEY');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError(
      certPath === undefined ? 'PARLEY_TLS_CERT' : 'PARLEY_TLS_KEY',
      'set both PARLEY_TLS_CERT and PARLEY_TLS_KEY, or neither',
    );
  }
  const tls =
    certPath !== undefined && keyPath !== undefined
      ? {
          cert: readPem('PARLEY_TLS_CERT', certPath, 'CERTIFICATE'),
          key: readPem('PARLEY_TLS_KEY', keyPath, 'PRIVATE KEY'),
        }
      : undefined;

  const httpPortText = value('PARLEY_HTTP_PORT');
  const httpPort = httpPortText === undefined ? undefined : readPort('PARLEY_HTTP_PORT', httpPortText);
  // Without TLS, PORT already speaks plain HTTP: a second port would only split the clients.
  if (httpPort !== undefined && tls === undefined)
    throw new ConfigError(
      'PARLEY_HTTP_PORT',
      'needs PARLEY_TLS_CERT and PARLEY_TLS_KEY (PORT is plain HTTP without them)',
    );
  if (httpPort !== undefined && httpPort !== 0 && httpPort === port)
    throw new ConfigError('PARLEY_HTTP_PORT', `must differ from PORT (${port})`);

  const redisUrl = value('PARLEY_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/\s]/.test(redisUrl)) {
    throw new ConfigError('PARLEY_REDIS_URL', 'must be redis://host:port or rediss://host:port (optionally /db)');
  }
  const publicHost = value('PARLEY_PUBLIC_HOST');
  if (publicHost !== undefined && !AUTHORITY_PATTERN.test(publicHost)) {
    throw new ConfigError('PARLEY_PUBLIC_HOST', `"${publicHost}" must be host or host:port, without scheme or path`);
  }

  const allowedHosts = (value('PARLEY_ALLOWED_HOSTS') ?? '')
    .split(',')
    .map((host) => host.trim())
    .filter(Boolean);
  for (const host of allowedHosts) {
    if (!AUTHORITY_PATTERN.test(host))
      throw new ConfigError('PARLEY_ALLOWED_HOSTS', `"${host}" must be host or host:port, without scheme or path`);
  }

  const secretText = value('PARLEY_SECRET_KEY');
  let secretKey: Uint8Array | undefined;
  if (secretText !== undefined) {
    secretKey = /^[0-9a-fA-F]{64}$/.test(secretText)
      ? Buffer.from(secretText, 'hex')
      : Buffer.from(secretText, 'base64');
    if (secretKey.length !== 32)
      throw new ConfigError('PARLEY_SECRET_KEY', 'must be 32 bytes, as 64 hex digits or base64');
  }

  const logLevel = value('PARLEY_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('PARLEY_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  const trustProxy = parseTrustProxy(value('PARLEY_TRUST_PROXY') ?? 'false');
  if (typeof trustProxy === 'object' && 'problem' in trustProxy)
    throw new ConfigError('PARLEY_TRUST_PROXY', trustProxy.problem);

  const corsOrigins = (value('PARLEY_CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError('PARLEY_CORS_ORIGINS', `"${origin}" is not an origin like https://desk.example.com`);
    }
  }

  const milliseconds = (name: string, fallback: number): number => readMilliseconds(name, value(name), fallback);
  const statementMs = milliseconds('PARLEY_PG_STATEMENT_TIMEOUT_MS', DEFAULT_POSTGRES_TIMEOUTS.statementMs);
  const postgresTimeouts: PostgresTimeouts = {
    connectMs: milliseconds('PARLEY_PG_CONNECT_TIMEOUT_MS', DEFAULT_POSTGRES_TIMEOUTS.connectMs),
    statementMs,
    // Unset, it follows the statement timeout by the default margin.
    queryMs: milliseconds(
      'PARLEY_PG_QUERY_TIMEOUT_MS',
      statementMs + DEFAULT_POSTGRES_TIMEOUTS.queryMs - DEFAULT_POSTGRES_TIMEOUTS.statementMs,
    ),
  };
  // The server's statement_timeout should fire first: it cancels cleanly and keeps the connection.
  if (postgresTimeouts.queryMs < postgresTimeouts.statementMs)
    throw new ConfigError('PARLEY_PG_QUERY_TIMEOUT_MS', 'must not be shorter than PARLEY_PG_STATEMENT_TIMEOUT_MS');

  const poolText = value('PARLEY_PG_POOL_SIZE');
  const postgresPoolSize = poolText === undefined ? DEFAULT_POSTGRES_POOL_SIZE : Number(poolText);
  if (!/^\d+$/.test(poolText ?? '1') || postgresPoolSize < 1 || postgresPoolSize > 1_000)
    throw new ConfigError('PARLEY_PG_POOL_SIZE', `"${poolText}" must be a whole number of connections from 1 to 1000`);

  return {
    port,
    httpPort,
    host: value('HOST') ?? '127.0.0.1',
    databaseUrl,
    database,
    postgresTimeouts,
    postgresPoolSize,
    seedPath: value('PARLEY_SEED'),
    tls,
    publicHost,
    allowedHosts,
    secretKey,
    secretKeyFile: value('PARLEY_SECRET_KEY_FILE') ?? './data/secret.key',
    corsOrigins,
    trustProxy,
    logLevel,
    smtp: parseSmtpConfig(env),
    rateLimits: {
      account: readBudget('PARLEY_RATE_LIMIT_ACCOUNT', value('PARLEY_RATE_LIMIT_ACCOUNT'), {
        burst: 2_000,
        perSecond: 1_000,
      }),
      credential: readBudget('PARLEY_RATE_LIMIT_CREDENTIAL', value('PARLEY_RATE_LIMIT_CREDENTIAL'), {
        burst: 200,
        perSecond: 50,
      }),
    },
    drainTimeoutMs: milliseconds('PARLEY_DRAIN_TIMEOUT_MS', 10_000),
    requestTimeoutMs: milliseconds('PARLEY_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS),
    redisUrl,
  };
}

/** A TCP port, 0 (any free port) to 65535. */
function readPort(variable: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new ConfigError(variable, `"${text}" is not a port number (0-65535)`);
  return port;
}

/** A positive whole number of milliseconds (0 would mean "never", which these settings exist to prevent). */
function readMilliseconds(variable: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 1 || ms > 3_600_000)
    throw new ConfigError(variable, `"${text}" must be a whole number of milliseconds from 1 to 3600000`);
  return ms;
}

/** `burst/perSecond`, e.g. `200/50`: how many requests at once, and how many a second after that. */
function readBudget(variable: string, text: string | undefined, fallback: RateBudget): RateBudget {
  if (text === undefined) return fallback;
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text);
  const burst = Number(match?.[1]);
  const perSecond = Number(match?.[2]);
  if (match === null || burst < 1 || perSecond <= 0)
    throw new ConfigError(variable, `"${text}" must be burst/perSecond, like 200/50`);
  return { burst, perSecond };
}

function readPem(variable: string, path: string, label: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    throw new ConfigError(variable, `cannot read ${path} (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!content.toString('utf8').includes(`-----BEGIN `) || !content.toString('utf8').includes(label)) {
    throw new ConfigError(variable, `${path} is not a PEM file with a ${label}`);
  }
  return content;
}

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { systemClock } from './core/clock.js';
import { createCore, type Core, type CoreDeps } from './core/create-core.js';
import type { Clock, Random } from './core/ports.js';
import { parseSeed } from './core/seed/parse-seed.js';
import type { Seed } from './core/seed/seed-schema.js';
import { createMemoryEventBus } from './memory/memory-event-bus.js';
import { createMemoryRateLimiter } from './memory/memory-rate-limiter.js';
import { openRedisConnection, type RedisCondition } from './redis/redis-connection.js';
import { createRedisEventBus } from './redis/redis-event-bus.js';
import { createRedisRateLimiter } from './redis/redis-rate-limiter.js';
import { createAesSecretBox } from './security/aes-secret-box.js';
import { createScryptHasher, type ScryptCost } from './security/scrypt-hasher.js';
import { createBoundedHasher } from './security/bounded-hasher.js';
import { createScryptWorker } from './security/scrypt-worker.js';
import { createCachedStore } from './store/cached-store.js';
import { openStore } from './store/open-store.js';
import type { CheckpointReport } from './store/sqlite-wal-bound.js';
import { createSmtpMailer } from './mail/smtp-mailer.js';
import { sanitizeAgentHtml } from './security/html-sanitizer.js';

/** The demo seed a first run loads when the database is empty and no seed is given. */
export const DEMO_SEED_PATH = fileURLToPath(new URL('../seeds/demo.json', import.meta.url));

export const secureRandom: Random = { bytes: (length) => randomBytes(length) };

export interface Runtime {
  core: Core;
  /** The adapters the core runs over (the store behind its cache, the secret box, …). */
  deps: CoreDeps;
  /** The Redis the nodes share (PARLEY_REDIS_URL), for `/health`; undefined when not configured. */
  redis: { condition(): RedisCondition } | undefined;
  /**
   * Tells `listener` of each full checkpoint of a SQLite file database, which every statement
   * waits for (the server logs the long ones); the store is open before the server's logger is.
   */
  onCheckpoint(listener: (checkpoint: CheckpointReport) => void): void;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  scryptCost?: ScryptCost;
  /** What every Redis key and the bus's channel start with (default `parley:`). */
  redisPrefix?: string;
}

/** The adapters that differ between one node and several: the bus and the two limiters. */
function sharedAdapters(config: Config, clock: Clock, prefix: string, nodeId: string) {
  if (config.redisUrl === undefined) {
    return {
      bus: createMemoryEventBus(),
      rateLimiter: createMemoryRateLimiter(clock),
      // Apart, so that request budgets (keyed before authentication) cannot evict a login lockout.
      loginLimiter: createMemoryRateLimiter(clock),
      redis: undefined,
      close: async () => undefined,
    };
  }
  // Opened without waiting: a node whose Redis is away starts, answers 503 where it needs Redis,
  // says so in /health, and serves again once the clients reconnect by themselves.
  const redis = openRedisConnection(config.redisUrl);
  const bus = createRedisEventBus({
    publisher: redis.commands,
    subscriber: redis.openSubscriber(),
    prefix,
    nodeId,
  });
  return {
    bus,
    // Shared by every node: one budget per account and per credential behind the load balancer.
    rateLimiter: createRedisRateLimiter(redis.commands, clock, `${prefix}budget:`),
    loginLimiter: createRedisRateLimiter(redis.commands, clock, `${prefix}login:`),
    redis: { condition: redis.condition },
    close: async () => {
      bus.close();
      await redis.close();
    },
  };
}

/** The deployment key: PARLEY_SECRET_KEY, or a key file created on first use (mode 0600). */
export function loadSecretKey(config: Config): Uint8Array {
  if (config.secretKey !== undefined) return config.secretKey;
  const path = config.secretKeyFile;
  try {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error('it does not hold 64 hex digits');
    return key;
  } catch (error) {
    throw new ConfigError(
      'PARLEY_SECRET_KEY_FILE',
      `${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Opens the store (migrated) and wires the core over the adapters: the single-node ones, or with
 * PARLEY_REDIS_URL the bus and limiters several nodes share.
 */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const secrets = createAesSecretBox(loadSecretKey(config));
  let checkpointListener: ((checkpoint: CheckpointReport) => void) | undefined;
  const opened = openStore(config.database, {
    postgresTimeouts: config.postgresTimeouts,
    poolSize: config.postgresPoolSize,
    onCheckpoint: (checkpoint) => checkpointListener?.(checkpoint),
  });
  try {
    await opened.migrate();
  } catch (error) {
    await opened.store.close();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const mailer = config.smtp === undefined ? undefined : createSmtpMailer(config.smtp);
  const scryptWorker = createScryptWorker();
  // One id for the node registry and the bus, so that what one logs the other can be matched to.
  const nodeId = randomBytes(12).toString('hex');
  const shared = sharedAdapters(config, clock, options.redisPrefix ?? 'parley:', nodeId);
  const deps: CoreDeps = {
    // Every request looks up its account, caller and agent session: those are kept in memory.
    store: createCachedStore(opened.store),
    nodeId,
    clock,
    random: secureRandom,
    bus: shared.bus,
    // One node on SQLite hears of every change to a chat at once: its own, and other processes'
    // through `data_version` (docs/adr/0013-chat-heads.md).
    hearsEveryChange: config.redisUrl === undefined && config.database.kind === 'sqlite',
    // In a low-priority thread of its own and bounded, so that a login flood cannot take the
    // thread pool and the CPU the SQLite flush and the event loop need.
    hasher: createBoundedHasher(createScryptHasher(options.scryptCost, scryptWorker.derive)),
    secrets,
    rateLimiter: shared.rateLimiter,
    loginLimiter: shared.loginLimiter,
    sanitizeHtml: sanitizeAgentHtml,
    ...(mailer === undefined ? {} : { mailer }),
  };
  return {
    core: createCore(deps),
    deps,
    redis: shared.redis,
    onCheckpoint: (listener) => {
      checkpointListener = listener;
    },
    close: async () => {
      mailer?.close();
      await scryptWorker.close();
      await shared.close();
      await opened.store.close();
    },
  };
}

/** Reads and checks a seed file; `source` names where the path came from in the error. */
export function readSeedFile(path: string, source = 'PARLEY_SEED'): Seed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(source, `cannot read ${path} (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseSeed(text, path);
}

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
import { createAesSecretBox } from './security/aes-secret-box.js';
import { createScryptHasher, type ScryptCost } from './security/scrypt-hasher.js';
import { createBoundedHasher } from './security/bounded-hasher.js';
import { createScryptWorker } from './security/scrypt-worker.js';
import { createCachedStore } from './store/cached-store.js';
import { openStore } from './store/open-store.js';
import { createSmtpMailer } from './mail/smtp-mailer.js';
import { sanitizeAgentHtml } from './security/html-sanitizer.js';

/** The demo seed a first run loads when the database is empty and no seed is given. */
export const DEMO_SEED_PATH = fileURLToPath(new URL('../seeds/demo.json', import.meta.url));

export const secureRandom: Random = { bytes: (length) => randomBytes(length) };

export interface Runtime {
  core: Core;
  /** The adapters the core runs over (the store behind its cache, the secret box, …). */
  deps: CoreDeps;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  scryptCost?: ScryptCost;
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

/** Opens the store (migrated) and wires the core over the single-node adapters. */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const secrets = createAesSecretBox(loadSecretKey(config));
  const opened = openStore(config.database, { postgresTimeouts: config.postgresTimeouts });
  try {
    await opened.migrate();
  } catch (error) {
    await opened.store.close();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const mailer = config.smtp === undefined ? undefined : createSmtpMailer(config.smtp);
  const scryptWorker = createScryptWorker();
  const deps: CoreDeps = {
    // Every request looks up its account, caller and agent session: those are kept in memory.
    store: createCachedStore(opened.store),
    clock,
    random: secureRandom,
    bus: createMemoryEventBus(),
    // In a low-priority thread of its own and bounded, so that a login flood cannot take the
    // thread pool and the CPU the SQLite flush and the event loop need.
    hasher: createBoundedHasher(createScryptHasher(options.scryptCost, scryptWorker.derive)),
    secrets,
    rateLimiter: createMemoryRateLimiter(clock),
    // Apart, so that request budgets (keyed before authentication) cannot evict a login lockout.
    loginLimiter: createMemoryRateLimiter(clock),
    sanitizeHtml: sanitizeAgentHtml,
    ...(mailer === undefined ? {} : { mailer }),
  };
  return {
    core: createCore(deps),
    deps,
    close: async () => {
      mailer?.close();
      await scryptWorker.close();
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

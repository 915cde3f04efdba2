import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { ConfigError, type Config } from './config.js';
import type { Account } from './core/model.js';
import type { Seed } from './core/seed/seed-schema.js';
import { buildApp, type HttpConfig } from './http/app.js';
import { BODY_LIMIT_BYTES } from './http/legacy/body-bounds.js';
import { listenAuthority, machineHosts } from './http/public-origin.js';
import { drainAndClose } from './http/drain.js';
import { requestLogOptions } from './http/request-log.js';
import { DEMO_SEED_PATH, openRuntime, readSeedFile, type Runtime } from './runtime.js';
import { HEARTBEAT_INTERVAL_MS } from './core/nodes/node-registry.js';
import { logCheckpoint } from './checkpoint-log.js';

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  url: string;
  /** The plain-HTTP listener beside HTTPS (PARLEY_HTTP_PORT), when there is one. */
  httpUrl: string | undefined;
  /**
   * Drains (docs/adr/0006-graceful-drain.md): requests in flight get `config.drainTimeoutMs` to
   * finish, then the store closes.
   */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;
/** How often due chat timers are looked for: the resolution of maxWaitTime and chatTimeout. */
const TIMER_INTERVAL_MS = 1_000;
/**
 * How many connections the kernel may hold, complete but not yet accepted (Linux caps it at
 * net.core.somaxconn, 4096 by default). Node's own 511 overflows when thousands of pollers
 * (re)connect at once, say after a pause of a few hundred ms: the kernel drops their SYNs, and each
 * waits 1, 3 then 7 s to try again, while its poll, its post or its reader's delivery waits too.
 */
export const LISTEN_BACKLOG = 4096;

/** Starts Parley: store, seed (or the demo on an empty database), HTTP, and the session sweeper. */
export async function startServer(config: Config, print: (line: string) => void = console.log): Promise<RunningServer> {
  // Read the seed before touching the database, so a bad seed stops the start with nothing changed.
  const seed = config.seedPath === undefined ? undefined : readSeedFile(config.seedPath);
  const runtime = await openRuntime(config);
  const { core } = runtime;
  let app: FastifyInstance | undefined;
  let plain: FastifyInstance | undefined;
  let isRegistered = false;
  try {
    // Before anything is written: nodes on one database without a Redis between them would each
    // announce changes only to themselves (docs/adr/0010-several-nodes.md).
    const host = hostname();
    const conflict = await core.nodes.register(
      {
        host,
        address: listenAuthority(config.host, config.port),
        pid: process.pid,
        usesRedis: config.redisUrl !== undefined,
      },
      // A process of this host that no longer runs died without deregistering (a crash just now).
      (node) => node.host === host && node.pid !== process.pid && !isRunning(node.pid),
    );
    if (conflict !== undefined) {
      const { node, seenMsAgo } = conflict;
      throw new ConfigError(
        'PARLEY_REDIS_URL',
        `another Parley node (id ${node.id}, host ${node.host}, listening at ${node.address}, seen ` +
          `${Math.round(seenMsAgo / 1000)} s ago) uses this database; every node must set PARLEY_REDIS_URL ` +
          'to the same Redis',
      );
    }
    isRegistered = true;
    let demo: Seed | undefined;
    if (seed !== undefined) {
      await core.seeds.apply(seed);
    } else if ((await core.administration.listAccounts()).length === 0) {
      demo = readSeedFile(DEMO_SEED_PATH);
      await core.seeds.apply(demo);
    }

    const http: HttpConfig = {
      publicHost: config.publicHost,
      allowedHosts: [...config.allowedHosts, ...machineHosts()],
      fallbackAuthority: listenAuthority(config.host, config.port),
      isTls: config.tls !== undefined,
      corsOrigins: config.corsOrigins,
      rateLimits: config.rateLimits,
      bodyLimitBytes: BODY_LIMIT_BYTES,
      trustProxy: config.trustProxy,
      requestTimeoutMs: config.requestTimeoutMs,
    };
    app = await buildApp({
      core,
      http,
      logger: requestLogOptions(config.logLevel),
      ...(config.tls === undefined ? {} : { https: config.tls }),
    });
    const running = app;
    runtime.onCheckpoint((checkpoint) => logCheckpoint(running.log, checkpoint));
    await running.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
    const address = running.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const scheme = config.tls === undefined ? 'http' : 'https';
    const url = `${scheme}://${config.publicHost ?? listenAuthority(config.host, port)}`;

    // Clients look hosts up over http:// and then call https:// (platform §3.4): a second port
    // that knows the first, so its answers and redirects name HTTPS and the port it listens on.
    let httpUrl: string | undefined;
    if (config.httpPort !== undefined) {
      plain = await buildApp({
        core,
        http: { ...http, isTls: false, httpsPort: port, fallbackAuthority: listenAuthority(config.host, port) },
        logger: requestLogOptions(config.logLevel),
      });
      await plain.listen({ port: config.httpPort, host: config.host, backlog: LISTEN_BACKLOG });
      const plainAddress = plain.server.address();
      const plainPort = typeof plainAddress === 'object' && plainAddress !== null ? plainAddress.port : config.httpPort;
      httpUrl = `http://${listenAuthority(config.host, plainPort)}`;
    }
    const plainApp = plain;

    // The node that holds the timers' lease sweeps; the others' calls do nothing.
    const sweeper = setInterval(() => {
      core.sweep().catch((error: unknown) => running.log.error({ err: error }, 'sweep failed'));
    }, SWEEP_INTERVAL_MS);
    sweeper.unref();
    // Apart from the timers' turn, which may take longer than a heartbeat may be late. One now: the
    // seed (passwords hashed at full cost) may have taken longer than a heartbeat lives.
    await core.nodes.heartbeat();
    const heartbeats = setInterval(() => {
      core.nodes.heartbeat().catch((error: unknown) => running.log.error({ err: error }, 'node heartbeat failed'));
    }, HEARTBEAT_INTERVAL_MS);
    heartbeats.unref();
    // Chats that came due while the server was down end on this first run (docs/ARCHITECTURE.md,
    // "Timers are due times in the store").
    let inFlight: Promise<void> | undefined;
    const runTimers = () => {
      inFlight ??= core
        .tick()
        .catch((error: unknown) => running.log.error({ err: error }, 'chat timers failed'))
        .finally(() => {
          inFlight = undefined;
        });
    };
    runTimers();
    const timers = setInterval(runTimers, TIMER_INTERVAL_MS);
    timers.unref();

    // Every start says where it serves; only the first, which loaded the demo, names its logins
    // and passwords (a later start knows no password: they are stored hashed).
    if (demo !== undefined) printDemo(demo, url, print);
    printServing(await core.administration.listAccounts(), { url, httpUrl }, print);
    let closed: Promise<void> | undefined;
    return {
      app: running,
      runtime,
      url,
      httpUrl,
      close: () =>
        (closed ??= (async () => {
          clearInterval(sweeper);
          clearInterval(timers);
          // The drain begins before anything is awaited, so /health says draining at once.
          const drained = Promise.all([
            drainAndClose(running, config.drainTimeoutMs),
            plainApp === undefined ? undefined : drainAndClose(plainApp, config.drainTimeoutMs),
          ]);
          const log = (what: string) => (error: unknown) => running.log.error({ err: error }, what);
          const marked = core.nodes.drain().catch(log('marking the node draining failed'));
          await inFlight;
          await drained;
          await marked;
          // No request is left to record one: what was recorded is written before the store closes.
          await core.flushTouches().catch(log('writing the requests recorded on chats and sessions failed'));
          clearInterval(heartbeats);
          // Drained: the sessions whose connections it held get their grace from now. A store that
          // fails here leaves the row to go stale, and the next timers' turn elsewhere does it.
          await core.nodes.deregister().catch(log('deregistering the node failed'));
          await runtime.close();
        })()),
    };
  } catch (error) {
    // A failed start (a taken port, a conflicting seed) leaves nothing open behind it.
    await plain?.close();
    await app?.close();
    if (isRegistered) await core.nodes.deregister().catch(() => undefined);
    await runtime.close();
    throw error;
  }
}

/** At most this many accounts get their own lines: a large deployment's start stays readable. */
const ACCOUNTS_PRINTED = 5;

function printServing(
  accounts: Pick<Account, 'id' | 'name' | 'appKeys'>[],
  where: { url: string; httpUrl: string | undefined },
  print: (line: string) => void,
): void {
  const { url } = where;
  print(`Parley is serving at ${url}${where.httpUrl === undefined ? '' : ` (plain HTTP at ${where.httpUrl})`}`);
  for (const account of accounts.slice(0, ACCOUNTS_PRINTED)) {
    const name = account.name === account.id ? '' : ` (${account.name})`;
    print(`  Account ${account.id}${name}`);
    print(`    Agent workspace: ${url}/workspace?account=${account.id}`);
    const appKey = account.appKeys[0];
    if (appKey !== undefined) print(`    Visitor chat:    ${url}/chat?account=${account.id}&appKey=${appKey}`);
  }
  if (accounts.length > ACCOUNTS_PRINTED) {
    print(`  … and ${accounts.length - ACCOUNTS_PRINTED} more accounts`);
  }
  if (accounts.length === 0) print('  No account yet: run `parley seed <file>` (see README)');
  print(`  Health:          ${url}/health`);
}

/** The demo's logins and passwords, and requests to try (the first start only). */
function printDemo(seed: Seed, url: string, print: (line: string) => void): void {
  for (const account of seed.accounts) {
    print(`Parley loaded the demo account ${account.id} (${account.name ?? account.id}).`);
    for (const user of account.users) {
      const credentials = user.password !== undefined ? `password ${user.password}` : 'API key (see seeds/demo.json)';
      print(`  ${user.role.padEnd(7)} ${user.loginName.padEnd(10)} ${credentials}`);
    }
    const appKey = account.appKeys[0];
    print('Try:');
    print(`  curl '${url}/api/account/${account.id}/service/baseURI.json?version=1.0'`);
    const first = account.users.find((user) => user.password !== undefined);
    if (first?.password !== undefined) {
      print(
        `  curl -X POST '${url}/api/account/${account.id}/login?v=1.3' -H 'Content-Type: application/json' ` +
          `-d '{"username":"${first.loginName}","password":"${first.password}"}'`,
      );
    }
    if (appKey !== undefined) print(`  Server Chat API app key: ${appKey}`);
  }
}

/** Whether a process with this id runs on this machine (signal 0 checks without sending). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

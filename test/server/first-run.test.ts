import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { SeedError } from '../../src/core/seed/parse-seed.js';
import { openRuntime } from '../../src/runtime.js';
import { startServer, type RunningServer } from '../../src/server.js';

const DEMO_ACCOUNT = '41325501';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Deployment {
  dir: string;
  /** The configuration of this deployment: its own database and key file, any free port. */
  config(extra?: Record<string, string>): Config;
  write(name: string, content: string): string;
}

function deployment(): Deployment {
  const dir = mkdtempSync(join(tmpdir(), 'parley-first-run-'));
  dirs.push(dir);
  return {
    dir,
    config: (extra = {}) =>
      loadConfig({
        PORT: '0',
        PARLEY_DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`,
        PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
        PARLEY_LOG_LEVEL: 'silent',
        ...extra,
      }),
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}

/** Starts the server, collecting what it prints; the caller closes it. */
async function start(config: Config): Promise<{ server: RunningServer; printed: string[] }> {
  const printed: string[] = [];
  const server = await startServer(config, (line) => printed.push(line));
  return { server, printed };
}

/** Runs `work` against a started server and always closes it. */
async function withServer<T>(
  config: Config,
  work: (server: RunningServer, printed: string[]) => Promise<T>,
): Promise<T> {
  const { server, printed } = await start(config);
  try {
    return await work(server, printed);
  } finally {
    await server.close();
  }
}

const login = (server: RunningServer, accountId: string, username: string, password: string) =>
  fetch(`${server.url}/api/account/${accountId}/login?v=1.3`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

const loginBody = z.object({ bearer: z.string().regex(/^[0-9a-f]{64}$/), config: z.object({ loginName: z.string() }) });

/** The accounts (id and name) in the deployment's database, read without starting a server. */
async function accountsIn(config: Config): Promise<{ id: string; name: string }[]> {
  const runtime = await openRuntime(config);
  try {
    return (await runtime.core.administration.listAccounts()).map(({ id, name }) => ({ id, name }));
  } finally {
    await runtime.close();
  }
}

/**
 * What every start prints: where it serves, then per account (the demo's) the workspace and the
 * visitor window, then health, each with the URL the server listens on.
 */
function assertWhereItServes(printed: string[], server: RunningServer): void {
  const at = printed.indexOf(`Parley is serving at ${server.url}`);
  assert.ok(at >= 0, printed.join('\n'));
  assert.deepEqual(printed.slice(at + 1), [
    `  Account ${DEMO_ACCOUNT} (Demo Shop)`,
    `    Agent workspace: ${server.url}/workspace?account=${DEMO_ACCOUNT}`,
    `    Visitor chat:    ${server.url}/chat?account=${DEMO_ACCOUNT}&appKey=a7847cc4c098c5b6faaa26f2af8c4a72`,
    `  Health:          ${server.url}/health`,
  ]);
}

describe('starting the server', () => {
  it('loads the demo on an empty database and prints the account, every login, the passwords and URLs', async () => {
    const env = deployment();
    await withServer(env.config(), async (server, printed) => {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const text = printed.join('\n');
      assert.match(text, new RegExp(`demo account ${DEMO_ACCOUNT} \\(Demo Shop\\)`));
      for (const [loginName, password] of [
        ['alice', 'alice-demo-pass'],
        ['bob', 'bob-demo-pass'],
        ['admin', 'admin-demo-pass'],
        ['tip-bot', 'tip-bot-demo-pass'],
        ['assist-bot', 'assist-bot-demo-pass'],
      ] as const) {
        assert.match(text, new RegExp(`^\\s+\\w+\\s+${loginName}\\s+password ${password}$`, 'm'));
      }
      assert.match(text, /^\s+agent\s+echo-bot\s+API key/m);
      assert.ok(text.includes(`${server.url}/api/account/${DEMO_ACCOUNT}/login?v=1.3`), text);
      assert.ok(text.includes(`${server.url}/api/account/${DEMO_ACCOUNT}/service/baseURI.json?version=1.0`), text);
      assert.ok(text.includes(`${server.url}/health`), text);
      assertWhereItServes(printed, server);

      const response = await login(server, DEMO_ACCOUNT, 'alice', 'alice-demo-pass');
      assert.equal(response.status, 200);
      assert.equal(loginBody.parse(await response.json()).config.loginName, 'alice');
    });
  });

  it('answers GET /health with 200 and status ok', async () => {
    await withServer(deployment().config(), async (server) => {
      const response = await fetch(`${server.url}/health`);
      assert.equal(response.status, 200);
      assert.equal(z.object({ status: z.string() }).parse(await response.json()).status, 'ok');
    });
  });

  it('does not load the demo again on a second start, prints where it serves but no password, and keeps the data and the key', async () => {
    const env = deployment();
    await withServer(env.config(), async (_server, printed) => {
      assert.ok(printed.some((line) => line.includes('alice-demo-pass')));
    });

    await withServer(env.config(), async (server, printed) => {
      assertWhereItServes(printed, server);
      const text = printed.join('\n');
      assert.doesNotMatch(text, /password|-demo-pass|demo account|loaded/i);
      const accounts = await server.runtime.core.administration.listAccounts();
      assert.deepEqual(
        accounts.map((account) => account.id),
        [DEMO_ACCOUNT],
      );
      assert.equal((await server.runtime.core.administration.listUsers(DEMO_ACCOUNT)).length, 6);
      assert.equal((await login(server, DEMO_ACCOUNT, 'alice', 'alice-demo-pass')).status, 200);
      // The key file written on the first start is reused: the bot's sealed secrets still open.
      const [botKey] = await server.runtime.deps.store.apiKeys.list(DEMO_ACCOUNT);
      assert.ok(botKey);
      assert.notEqual(server.runtime.deps.secrets.open(botKey.sealedSecrets), undefined);
    });
  });

  it('applies PARLEY_SEED instead of the demo', async () => {
    const env = deployment();
    const seedPath = env.write(
      'seed.json',
      JSON.stringify({
        accounts: [
          {
            id: '777',
            skills: [{ name: 'Sales' }],
            users: [{ loginName: 'zoe', password: 'zoe-pass', skills: ['Sales'] }],
          },
        ],
      }),
    );
    await withServer(env.config({ PARLEY_SEED: seedPath }), async (server, printed) => {
      assert.deepEqual(printed, [
        `Parley is serving at ${server.url}`,
        '  Account 777',
        `    Agent workspace: ${server.url}/workspace?account=777`,
        `  Health:          ${server.url}/health`,
      ]);
      const accounts = await server.runtime.core.administration.listAccounts();
      assert.deepEqual(
        accounts.map((account) => account.id),
        ['777'],
      );
      assert.equal((await login(server, '777', 'zoe', 'zoe-pass')).status, 200);
    });
  });

  it('refuses to start with a bad PARLEY_SEED, naming the entry, and leaves the database empty', async () => {
    const env = deployment();
    const seedPath = env.write(
      'seed.json',
      JSON.stringify({
        accounts: [{ id: '777', users: [{ loginName: 'zoe', password: 'zoe-pass', skills: ['Billing'] }] }],
      }),
    );
    const config = env.config({ PARLEY_SEED: seedPath });
    await assert.rejects(
      startServer(config, () => assert.fail('nothing may be printed')),
      (error: unknown) => {
        assert.ok(error instanceof SeedError, String(error));
        assert.ok(error.message.includes(`accounts[0].users[0].skills[0]: unknown skill "Billing"`), error.message);
        return true;
      },
    );
    assert.deepEqual(await accountsIn(config), []);
  });

  it('refuses to start when PARLEY_SEED conflicts with the database, changing nothing', async () => {
    const env = deployment();
    await withServer(env.config(), async () => undefined);
    const before = await accountsIn(env.config());
    assert.deepEqual(before, [{ id: DEMO_ACCOUNT, name: 'Demo Shop' }]);

    // The demo account again, but alice (user 2001 in the database) with another id.
    const seedPath = env.write(
      'seed.json',
      JSON.stringify({
        accounts: [
          { id: '888', users: [{ loginName: 'new', password: 'new-pass' }] },
          { id: DEMO_ACCOUNT, name: 'Renamed', users: [{ id: 2999, loginName: 'alice', password: 'alice-demo-pass' }] },
        ],
      }),
    );
    await assert.rejects(start(env.config({ PARLEY_SEED: seedPath })), (error: unknown) => {
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.code, ErrorCode.CONFLICT);
      return true;
    });

    assert.deepEqual(await accountsIn(env.config()), before);
  });

  it('refuses to start naming PARLEY_SEED when the seed file cannot be read', async () => {
    const env = deployment();
    await assert.rejects(start(env.config({ PARLEY_SEED: join(env.dir, 'missing.json') })), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /^PARLEY_SEED: cannot read /);
      return true;
    });
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { openRuntime, readSeedFile, type Runtime } from '../../src/runtime.js';

// `parley users enable|password|remove` and `parley skills remove` as an operator runs them: the real
// program as a child process on a SQLite file, checked through the same file in-process. Starting
// the program through tsx takes seconds on a busy machine, so each test runs few commands and
// prepares and checks the database in-process.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_ACCOUNT = '41325501';
const client = { address: '203.0.113.7' };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function environment(dir: string) {
  return {
    PARLEY_DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`,
    PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
  };
}

/** Runs `parley ...args` on the database in `dir`, with `input` on standard input (a pipe). */
function parley(dir: string, args: string[], input = ''): Run {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/parley.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...environment(dir) },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertExit(run: Run, code: number): void {
  assert.equal(run.status, code, `exit ${String(run.status)}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

/** Works on the database in `dir` in-process (closed afterwards), as the server would. */
async function withRuntime<T>(dir: string, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig({ ...environment(dir), PARLEY_LOG_LEVEL: 'silent' }), {
    scryptCost: { N: 1024, r: 8, p: 1 },
  });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

// The demo seeded once; each test works on its own copy.
let seeded: string;
before(async () => {
  seeded = mkdtempSync(join(tmpdir(), 'parley-user-admin-'));
  dirs.push(seeded);
  await withRuntime(seeded, ({ core }) => core.seeds.apply(readSeedFile(join(ROOT, 'seeds/demo.json'))));
});
function copyOfDemo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-user-admin-'));
  dirs.push(dir);
  cpSync(seeded, dir, { recursive: true });
  return dir;
}

describe('parley users and skills administration', { timeout: 900_000 }, () => {
  it('sets a password from standard input, re-enables a user, and removes one with a live agent session', async () => {
    const dir = copyOfDemo();
    // bob logged in, with a live agent session, before the operator removes him.
    const bobSession = await withRuntime(dir, async ({ core }) => {
      await core.administration.disableUser(DEMO_ACCOUNT, 'tip-bot');
      const bob = await core.login.login(
        DEMO_ACCOUNT,
        { kind: 'password', username: 'bob', password: 'bob-demo-pass' },
        client,
      );
      return core.agents.sessions.start(DEMO_ACCOUNT, { user: bob.user, loginSessionId: bob.session.id });
    });

    const password = parley(dir, ['users', 'password', 'alice'], 'alice-new-pass\n');
    assertExit(password, 0);
    assert.match(
      password.stdout,
      /^set the password of user alice \(id 2001\) in account 41325501; its sessions ended$/m,
    );
    assert.ok(!password.stdout.includes('alice-new-pass') && !password.stderr.includes('alice-new-pass'));

    const enable = parley(dir, ['users', 'enable', 'tip-bot']);
    assertExit(enable, 0);
    assert.match(enable.stdout, /^enabled user tip-bot \(id 2005\) in account 41325501$/m);

    const remove = parley(dir, ['users', 'remove', 'bob', '--account', DEMO_ACCOUNT]);
    assertExit(remove, 0);
    assert.match(remove.stdout, /^removed user bob \(id 2002\) from account 41325501; ended 1 agent session$/m);

    await withRuntime(dir, async ({ core, deps }) => {
      const users = await core.administration.listUsers(DEMO_ACCOUNT);
      assert.equal(
        users.some((user) => user.loginName === 'bob'),
        false,
      );
      assert.equal(users.find((user) => user.loginName === 'tip-bot')?.enabled, true);

      // The new password logs in, the old one no longer; it is stored only hashed.
      const alice = await core.login.login(
        DEMO_ACCOUNT,
        { kind: 'password', username: 'alice', password: 'alice-new-pass' },
        client,
      );
      assert.equal(alice.user.id, 2001);
      assert.ok(alice.user.passwordHash !== null && !alice.user.passwordHash.includes('alice-new-pass'));
      await assert.rejects(
        core.login.login(DEMO_ACCOUNT, { kind: 'password', username: 'alice', password: 'alice-demo-pass' }, client),
        (error: unknown) => error instanceof AppError && error.code === ErrorCode.CREDENTIALS_INVALID,
      );
      // bob's agent session ended with him; his row is kept (marked deleted) for the chats' history.
      assert.notEqual((await deps.store.agentSessions.get(DEMO_ACCOUNT, bobSession.id))?.endedAt, null);
      assert.deepEqual(await deps.store.loginSessions.listForUser(DEMO_ACCOUNT, 2002), []);
      assert.equal((await deps.store.users.get(DEMO_ACCOUNT, 2002))?.deleted, true);
    });
  });

  it('exits 1 naming an unknown user or account, and 2 for an empty password, changing nothing', async () => {
    const dir = copyOfDemo();
    const nobody = parley(dir, ['users', 'password', 'zed'], 'whatever\n');
    assertExit(nobody, 1);
    assert.match(nobody.stderr, /^parley: no user "zed" in account 41325501$/m);

    const noAccount = parley(dir, ['users', 'remove', 'alice', '--account', '999']);
    assertExit(noAccount, 1);
    assert.match(noAccount.stderr, /^parley: no account "999"$/m);

    const empty = parley(dir, ['users', 'password', 'alice'], '\n');
    assertExit(empty, 2);
    assert.match(empty.stderr, /the password is empty/);

    await withRuntime(dir, async ({ core }) => {
      assert.equal((await core.administration.listUsers(DEMO_ACCOUNT)).length, 6);
      const alice = await core.login.login(
        DEMO_ACCOUNT,
        { kind: 'password', username: 'alice', password: 'alice-demo-pass' },
        client,
      );
      assert.equal(alice.user.id, 2001);
    });
  });

  it('refuses to remove a skill users still have, naming them, removes it with --detach, and exits 1 for an unknown skill', async () => {
    const dir = copyOfDemo();
    const refused = parley(dir, ['skills', 'remove', 'Support']);
    assertExit(refused, 1);
    assert.match(
      refused.stderr,
      /^parley: skill "Support" is still held or shared by bob, echo-bot, tip-bot, assist-bot: pass --detach to take it from them$/m,
    );

    const detached = parley(dir, ['skills', 'remove', 'support', '--detach']);
    assertExit(detached, 0);
    assert.match(
      detached.stdout,
      /^removed skill Support \(id 1002\) from account 41325501; detached from bob, echo-bot, tip-bot, assist-bot$/m,
    );

    const unknown = parley(dir, ['skills', 'remove', 'Support']);
    assertExit(unknown, 1);
    assert.match(unknown.stderr, /^parley: no skill "Support" in account 41325501$/m);

    await withRuntime(dir, async ({ core }) => {
      assert.deepEqual(
        (await core.administration.listSkills(DEMO_ACCOUNT)).map((skill) => skill.name),
        ['Sales'],
      );
      assert.deepEqual(
        (await core.administration.listUsers(DEMO_ACCOUNT)).map((user) => [user.loginName, user.skillIds]),
        [
          ['alice', [1001]],
          ['bob', [1001]],
          ['admin', []],
          ['echo-bot', [1001]],
          ['tip-bot', [1001]],
          ['assist-bot', [1001]],
        ],
      );
    });
  });
});

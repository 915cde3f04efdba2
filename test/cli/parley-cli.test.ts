import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';

// The real `parley` program as a child process: argument parsing, exit codes and output streams
// are what an operator sees, so nothing here goes through runCli in-process.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_SEED = 'seeds/demo.json';
const DEMO_ACCOUNT = '41325501';

interface Run {
  status: number | null;
  /** The signal that ended the program: SIGTERM once it ran past its deadline. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Workspace {
  dir: string;
  /** Runs `parley ...args` against this workspace's database and key file. */
  run(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<Run>;
  /** Writes a file into the workspace and returns its path. */
  write(name: string, content: string): string;
}

const listedUsers = z.array(
  z.object({
    id: z.number(),
    loginName: z.string(),
    nickname: z.string(),
    role: z.string(),
    enabled: z.boolean(),
    maxChats: z.number(),
    skills: z.array(z.string()),
    login: z.string(),
  }),
);
const listedSkills = z.array(z.object({ id: z.number(), name: z.string() }));

/**
 * How many programs run at once. Tests run side by side (see the describe below), but more starts
 * at once than this only make each slower: a start's own deadline must not be spent waiting for
 * the others.
 */
const PROGRAMS_AT_ONCE = 3;
let programs = 0;
const waitingForSlot: (() => void)[] = [];
async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (programs < PROGRAMS_AT_ONCE) programs += 1;
  else await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  try {
    return await work();
  } finally {
    // The slot passes to the next waiting program, or is freed.
    const next = waitingForSlot.shift();
    if (next === undefined) programs -= 1;
    else next();
  }
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp dir holding this test's database and secret key file (copied from `from`). */
function workspace(from?: Workspace): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  dirs.push(dir);
  if (from !== undefined) cpSync(from.dir, dir, { recursive: true });
  return {
    dir,
    run: (args, options = {}) => inSlot(() => runProgram(args, options)),
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };

  function runProgram(args: string[], options: { input?: string; env?: Record<string, string> }): Promise<Run> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/parley.ts', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        PARLEY_DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`,
        PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
        ...options.env,
      },
      // A command that wrongly keeps running (serve that did start) fails the test instead of hanging
      // it; five minutes, as one start of the program through tsx takes seconds, and on a heavily
      // loaded machine over a minute.
      timeout: 300_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
    });
  }
}

/** Asserts the exit code, showing both streams when it differs. */
function assertExit(run: Run, code: number): void {
  const ended = run.signal === null ? `exit ${String(run.status)}` : `ended by ${run.signal}`;
  assert.equal(run.status, code, `${ended}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

// The demo seeded once; tests that start from it get their own copy of its database and key.
let demo: Workspace;
before(async () => {
  demo = workspace();
  assertExit(await demo.run(['seed', DEMO_SEED]), 0);
});
const seededWorkspace = (): Workspace => workspace(demo);

const usersOf = async (ws: Workspace, extra: string[] = []) => {
  const run = await ws.run(['users', 'list', '--json', ...extra]);
  assertExit(run, 0);
  return listedUsers.parse(JSON.parse(run.stdout));
};

// Each test has its own workspace, so a few run at once: most of a test's time is the start of the
// program, and on a busy machine several starts side by side finish far sooner than one after another.
describe('parley CLI', { concurrency: 4 }, () => {
  describe('help and usage', () => {
    it('prints the commands for --help and for users --help, exiting 0', async () => {
      const ws = workspace();
      const top = await ws.run(['--help']);
      assertExit(top, 0);
      for (const command of ['serve', 'seed <file>', 'users', 'skills'])
        assert.ok(top.stdout.includes(command), top.stdout);

      const users = await ws.run(['users', '--help']);
      assertExit(users, 0);
      for (const command of ['list', 'add [options] <loginName>', 'disable [options] <loginName>']) {
        assert.ok(users.stdout.includes(command), users.stdout);
      }
    });

    it('exits 2 with the error and the usage for an unknown command', async () => {
      const run = await workspace().run(['bogus']);
      assertExit(run, 2);
      assert.match(run.stderr, /unknown command 'bogus'/);
      assert.match(run.stderr, /Usage: parley/);
    });

    it('exits 2 naming the missing argument of seed', async () => {
      const run = await workspace().run(['seed']);
      assertExit(run, 2);
      assert.match(run.stderr, /missing required argument 'file'/);
    });
  });

  describe('seed', () => {
    it('creates the demo account, then updates it without duplicating anything', async () => {
      const ws = workspace();
      const first = await ws.run(['seed', DEMO_SEED]);
      assertExit(first, 0);
      assert.match(first.stdout, new RegExp(`^created account ${DEMO_ACCOUNT}: 2 skills, 6 users$`, 'm'));
      const before = await usersOf(ws);

      const second = await ws.run(['seed', DEMO_SEED]);
      assertExit(second, 0);
      assert.match(second.stdout, new RegExp(`^updated account ${DEMO_ACCOUNT}: 2 skills, 6 users$`, 'm'));
      const afterwards = await usersOf(ws);

      assert.deepEqual(
        afterwards.map((user) => [user.id, user.loginName]),
        [
          [2001, 'alice'],
          [2002, 'bob'],
          [2003, 'admin'],
          [2004, 'echo-bot'],
          [2005, 'tip-bot'],
          [2006, 'assist-bot'],
        ],
      );
      assert.deepEqual(afterwards, before);
    });

    it('exits 1 naming the bad entry of a seed with an unknown skill, and creates nothing', async () => {
      const ws = workspace();
      const file = ws.write(
        'bad.json',
        JSON.stringify({
          accounts: [
            {
              id: '777',
              skills: [{ name: 'Sales' }],
              users: [{ loginName: 'alice', password: 'pw', skills: ['Billing'] }],
            },
          ],
        }),
      );
      const run = await ws.run(['seed', file]);
      assertExit(run, 1);
      assert.ok(run.stderr.includes(`accounts[0].users[0].skills[0]: unknown skill "Billing"`), run.stderr);
      assert.ok(run.stderr.includes(file), `the message names the file: ${run.stderr}`);
      assert.equal(run.stdout, '');

      const list = await ws.run(['users', 'list']);
      assertExit(list, 2);
      assert.match(list.stderr, /no accounts/);
    });

    it('exits 1 when the seed file is not valid JSON', async () => {
      const ws = workspace();
      const file = ws.write('broken.json', '{"accounts": [');
      const run = await ws.run(['seed', file]);
      assertExit(run, 1);
      assert.match(run.stderr, /not valid JSON/);
    });
  });

  describe('users', () => {
    it('lists users as a table with a header row and one row per user', async () => {
      const ws = seededWorkspace();
      const run = await ws.run(['users', 'list']);
      assertExit(run, 0);
      const lines = run.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 7, run.stdout);
      assert.match(lines[0] ?? '', /^ID\s+LOGIN\s+NICKNAME\s+ROLE\s+ENABLED\s+MAX CHATS\s+SKILLS\s+LOGIN WITH$/);
      assert.match(lines[1] ?? '', /^2001\s+alice\s+Alice\s+agent\s+yes\s+3\s+Sales\s+password$/);
      assert.match(lines[2] ?? '', /^2002\s+bob\s+Bob\s+manager\s+yes\s+3\s+Sales,Support\s+password$/);
      assert.match(lines[4] ?? '', /^2004\s+echo-bot\s+EchoBot\s+agent\s+yes\s+-1\s+Sales,Support\s+api-key$/);
      assert.match(lines[5] ?? '', /^2005\s+tip-bot\s+TipBot\s+agent\s+yes\s+0\s+Sales,Support\s+password$/);
      assert.match(lines[6] ?? '', /^2006\s+assist-bot\s+AssistBot\s+agent\s+yes\s+0\s+Sales,Support\s+password$/);
      // Columns line up: every row starts its LOGIN cell where the header does.
      const loginColumn = (lines[0] ?? '').indexOf('LOGIN');
      for (const line of lines.slice(1)) assert.match(line.slice(loginColumn), /^[a-z]/);
    });

    it('adds a user whose password comes from standard input, with the given role and skills', async () => {
      const ws = seededWorkspace();
      const add = await ws.run(
        ['users', 'add', 'carol', '--password-stdin', '--skills', 'Sales', '--role', 'manager'],
        {
          input: 'carol-secret\n',
        },
      );
      assertExit(add, 0);
      assert.match(add.stdout, new RegExp(`added user carol \\(id \\d+\\) to account ${DEMO_ACCOUNT}`));

      const carol = (await usersOf(ws)).find((user) => user.loginName === 'carol');
      assert.ok(carol, 'carol is listed');
      assert.equal(carol.role, 'manager');
      assert.deepEqual(carol.skills, ['Sales']);
      assert.equal(carol.enabled, true);
      assert.equal(carol.login, 'password');
    });

    it('exits 1 with a clear message when the login name is taken', async () => {
      const ws = seededWorkspace();
      const run = await ws.run(['users', 'add', 'ALICE', '--password', 'x']);
      assertExit(run, 1);
      assert.match(run.stderr, /^parley: login name "ALICE" is taken$/m);
    });

    it('exits 1 naming the skill when adding a user with an unknown skill', async () => {
      const ws = seededWorkspace();
      const run = await ws.run(['users', 'add', 'dave', '--password', 'x', '--skills', 'Sales,Billing']);
      assertExit(run, 1);
      assert.match(run.stderr, /unknown skill "Billing"/);
      assert.equal(
        (await usersOf(ws)).some((user) => user.loginName === 'dave'),
        false,
      );
    });

    it('disables a user, who is then listed as not enabled', async () => {
      const ws = seededWorkspace();
      const run = await ws.run(['users', 'disable', 'alice']);
      assertExit(run, 0);
      assert.match(run.stdout, new RegExp(`disabled user alice \\(id 2001\\) in account ${DEMO_ACCOUNT}`));
      const listed = await usersOf(ws);
      assert.equal(listed.find((user) => user.loginName === 'alice')?.enabled, false);
      assert.equal(listed.find((user) => user.loginName === 'bob')?.enabled, true);
    });
  });

  describe('shared chat permissions (docs/SHARED-CHATS.md)', () => {
    /** `users permissions` prints what the user now has: `listen …, assist …` (skill ids). */
    const permissions = async (ws: Workspace, loginName: string, args: string[]) => {
      const run = await ws.run(['users', 'permissions', loginName, ...args]);
      assertExit(run, 0);
      return /: (listen .*)$/m.exec(run.stdout)?.[1];
    };

    it('adds a user with --listen and --assist, which users permissions then changes one at a time', async () => {
      const ws = seededWorkspace();
      const add = await ws.run(['users', 'add', 'sue', '--password-stdin', '--listen', 'all', '--assist', 'Sales'], {
        input: 'sue-secret\n',
      });
      assertExit(add, 0);
      // Setting one permission shows the other as users add stored it.
      assert.equal(
        await permissions(ws, 'sue', ['--assist', 'Support, Sales']),
        'listen all skills, assist skills 1002,1001',
      );
      assert.equal(await permissions(ws, 'sue', ['--listen', 'none']), 'listen none, assist skills 1002,1001');
      assert.equal(
        await permissions(ws, 'sue', ['--listen', 'default', '--assist', 'all']),
        'listen by role, assist all skills',
      );
      assert.equal(await permissions(ws, 'sue', ['--assist', 'default']), 'listen by role, assist by role');
      // A seeded user's own settings ("listen": "all" for tip-bot) are kept until changed.
      assert.equal(await permissions(ws, 'tip-bot', ['--assist', 'none']), 'listen all skills, assist none');
    });

    it('adds a user without them by role, and names an unknown skill without changing anything', async () => {
      const ws = seededWorkspace();
      assertExit(await ws.run(['users', 'add', 'max', '--password', 'x', '--role', 'manager', '--skills', 'Sales']), 0);
      assert.equal(await permissions(ws, 'max', ['--listen', 'default']), 'listen by role, assist by role');

      const unknownOnAdd = await ws.run(['users', 'add', 'ned', '--password', 'x', '--assist', 'Sales,Billing']);
      assertExit(unknownOnAdd, 1);
      assert.match(unknownOnAdd.stderr, /unknown skill "Billing"/);
      assert.equal(
        (await usersOf(ws)).some((user) => user.loginName === 'ned'),
        false,
      );
      const unknown = await ws.run(['users', 'permissions', 'max', '--listen', 'all', '--assist', 'Billing']);
      assertExit(unknown, 1);
      assert.match(unknown.stderr, /unknown skill "Billing"/);
      assert.equal(await permissions(ws, 'max', ['--listen', 'default']), 'listen by role, assist by role');
    });

    it('exits 2 without --listen or --assist, or with an empty list; 1 for an unknown user', async () => {
      const ws = seededWorkspace();
      const neither = await ws.run(['users', 'permissions', 'alice']);
      assertExit(neither, 2);
      assert.match(neither.stderr, /give --listen or --assist/);
      const empty = await ws.run(['users', 'permissions', 'alice', '--listen', ' , ']);
      assertExit(empty, 2);
      assert.match(empty.stderr, /--listen: give "all", "none" or skill names/);
      const nobody = await ws.run(['users', 'permissions', 'zed', '--listen', 'all']);
      assertExit(nobody, 1);
      assert.match(nobody.stderr, /no user "zed"/);
    });
  });

  describe('skills', () => {
    it('adds a skill with the given id, which skills list --json then includes', async () => {
      const ws = seededWorkspace();
      const add = await ws.run(['skills', 'add', 'Billing', '--id', '1003']);
      assertExit(add, 0);
      assert.match(add.stdout, /added skill Billing \(id 1003\)/);

      const list = await ws.run(['skills', 'list', '--json']);
      assertExit(list, 0);
      assert.deepEqual(listedSkills.parse(JSON.parse(list.stdout)), [
        { id: 1001, name: 'Sales' },
        { id: 1002, name: 'Support' },
        { id: 1003, name: 'Billing' },
      ]);
    });
  });

  describe('choosing the account', () => {
    it('exits 2 telling to seed first when the database has no accounts', async () => {
      const run = await workspace().run(['skills', 'list']);
      assertExit(run, 2);
      assert.match(run.stderr, /no accounts/);
      assert.match(run.stderr, /parley seed/);
    });

    it('exits 2 asking for --account when several accounts exist, and uses the one given', async () => {
      const ws = workspace();
      const file = ws.write(
        'two.json',
        JSON.stringify({
          accounts: [
            { id: '111', users: [{ loginName: 'first', password: 'pw' }] },
            { id: '222', users: [{ loginName: 'second', password: 'pw' }] },
          ],
        }),
      );
      const seeded = await ws.run(['seed', file]);
      assertExit(seeded, 0);
      assert.match(seeded.stdout, /created account 111/);
      assert.match(seeded.stdout, /created account 222/);

      const ambiguous = await ws.run(['users', 'list']);
      assertExit(ambiguous, 2);
      assert.match(ambiguous.stderr, /--account/);

      assert.deepEqual(
        (await usersOf(ws, ['--account', '222'])).map((user) => user.loginName),
        ['second'],
      );
    });
  });

  describe('configuration', () => {
    it('exits 2 naming PARLEY_DATABASE_URL when it is not a supported URL', async () => {
      const run = await workspace().run(['users', 'list'], { env: { PARLEY_DATABASE_URL: 'mysql://x' } });
      assertExit(run, 2);
      assert.match(run.stderr, /PARLEY_DATABASE_URL/);
    });

    it('exits 2 naming PORT when serve is given an invalid port', async () => {
      const run = await workspace().run(['serve'], { env: { PORT: 'eighty' } });
      assertExit(run, 2);
      assert.match(run.stderr, /PORT: "eighty" is not a port number/);
    });
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { DatabaseTarget } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Offline messages from the visitor's HTTP call to the operator's `parley offline list`: a real
// listening server writes them to a SQLite file, then the real CLI reads that file as a child process.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MINUTE = 60_000;

/** The offline survey of seeds/demo.json: an e-mail address and a message, both mandatory. */
const OFFLINE_SURVEY = {
  id: 40290,
  title: '',
  header: 'Nobody is available right now. Leave us a message.',
  questions: {
    question: [
      {
        id: 13387460,
        order: 0,
        mandatory: true,
        validationType: 'email',
        logicId: 7,
        type: 'Text Field',
        label: 'Your e-mail address',
        lastKnownValue: '',
      },
      {
        id: 13387461,
        order: 1,
        mandatory: true,
        validationType: 'alpha_numeric',
        logicId: 8,
        type: 'Text Area',
        label: 'Your message',
        lastKnownValue: '',
      },
    ],
  },
};

const listedMessages = z.array(
  z.object({
    accountId: z.string(),
    id: z.string(),
    skill: z.string().nullable(),
    survey: z.object({
      surveyId: z.string(),
      answers: z.array(z.object({ questionId: z.string(), label: z.string(), answer: z.string() })),
      submittedAt: z.number(),
    }),
    visitor: z.object({ visitorIp: z.string(), userAgent: z.string(), referrer: z.string() }),
    createdAt: z.number(),
  }),
);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function assertExit(run: Run, code: number): void {
  assert.equal(run.status, code, `exit ${String(run.status)}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

describe('parley offline list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-offline-cli-'));
  const databasePath = join(dir, 'parley.db');
  /** One SQLite file this test knows the path of, so the CLI can open it too. */
  const sqliteFile: DatabaseTarget = {
    name: 'sqlite',
    unavailable: undefined,
    create: async () => ({
      location: { kind: 'sqlite', path: databasePath },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    }),
  };
  const { accountId, seed } = accountSeed();
  const other = accountSeed();
  let server: TestServer;

  /** `parley …args` against the server's database file, with its own key file in the temp dir. */
  const parley = (args: string[]): Run => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/parley.ts', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        PARLEY_DATABASE_URL: `sqlite:${databasePath}`,
        PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
      },
      input: '',
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  /** Posts an offline survey over HTTP, as the SDK does (override PUT, context at the top level). */
  async function leaveMessage(email: string, message: string, context: Record<string, string>): Promise<void> {
    const appKey = seed.accounts[0]?.appKeys[0] ?? '';
    const response = await send(
      server.baseUrl,
      'POST',
      `/api/account/${accountId}/chat/offlineSurvey.json?appKey=${appKey}`,
      {
        headers: { 'X-HTTP-Method-Override': 'PUT' },
        body: {
          survey: {
            id: OFFLINE_SURVEY.id,
            question: [
              { id: 13387460, answer: email },
              { id: 13387461, answer: message },
            ],
          },
          ...context,
        },
      },
    );
    assert.equal(response.status, 200, response.text);
    assert.equal(response.text, '');
  }

  before(async () => {
    const [account] = seed.accounts;
    assert.ok(account !== undefined);
    // accountSeed() has no surveys; this account gets the demo's offline survey.
    const withSurvey = { accounts: [{ ...account, surveys: { offline: OFFLINE_SURVEY } }] };
    server = await startTestServer(sqliteFile);
    await applySeed(server.core, withSurvey);
    await applySeed(server.core, other.seed);

    await leaveMessage('first@example.com', 'Please call me back about my invoice', {
      skill: 'Sales',
      visitorIp: '203.0.113.7',
    });
    server.clock.advance(5 * MINUTE);
    await leaveMessage('second@example.com', 'Do you ship to Iceland?', { skill: 'Support' });
  });
  after(async () => {
    // Drops the temp dir: the database file and the CLI's key file.
    await server.close();
  });

  it('prints both messages newest first, each with its answers', () => {
    const run = parley(['offline', 'list', '--account', accountId]);
    assertExit(run, 0);
    const lines = run.stdout.trimEnd().split('\n');
    const second = server.clock.now();
    const first = second - 5 * MINUTE;
    assert.deepEqual(
      lines.map((line) => line.replace(/ {2}[0-9a-f]{24} {2}/, '  <id>  ')),
      [
        `${new Date(second).toISOString()}  <id>  skill Support  from 127.0.0.1`,
        '  Your e-mail address: second@example.com',
        '  Your message: Do you ship to Iceland?',
        `${new Date(first).toISOString()}  <id>  skill Sales  from 203.0.113.7`,
        '  Your e-mail address: first@example.com',
        '  Your message: Please call me back about my invoice',
      ],
    );
  });

  it('prints parseable JSON with --json, newest first', async () => {
    const run = parley(['offline', 'list', '--account', accountId, '--json']);
    assertExit(run, 0);
    const messages = listedMessages.parse(JSON.parse(run.stdout));
    assert.deepEqual(
      messages.map((message) => message.survey.answers.map((answer) => answer.answer)),
      [
        ['second@example.com', 'Do you ship to Iceland?'],
        ['first@example.com', 'Please call me back about my invoice'],
      ],
    );
    assert.deepEqual(
      messages.map((message) => [message.accountId, message.skill, message.survey.surveyId, message.visitor.visitorIp]),
      [
        [accountId, 'Support', '40290', '127.0.0.1'],
        [accountId, 'Sales', '40290', '203.0.113.7'],
      ],
    );
    assert.deepEqual(
      messages[0]?.survey.answers.map((answer) => [answer.questionId, answer.label]),
      [
        ['13387460', 'Your e-mail address'],
        ['13387461', 'Your message'],
      ],
    );
    // The same messages the server stored, ids included.
    const stored = await server.store.offlineMessages.list(accountId, 10);
    assert.deepEqual(
      messages.map((message) => [message.id, message.createdAt]),
      stored.map((message) => [message.id, message.createdAt]),
    );
  });

  it('says so for an account without offline messages', () => {
    const run = parley(['offline', 'list', '--account', other.accountId]);
    assertExit(run, 0);
    assert.equal(run.stdout, `no offline messages in account ${other.accountId}\n`);
  });
});

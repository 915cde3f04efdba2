import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ParleyError } from '@parley/sdk';
import { loginFailure, loginRetryFromEnvironment, networkReason } from '../../examples/run-bot.js';

// The example bots' start (examples/run-bot.ts): one clear line, not a stack, when the server is
// not there. They import the built SDK (`npm run build --workspace @parley/sdk`), as `npm run
// example:…` does.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE_URL = 'http://127.0.0.1:8080';

/** fetch's failure as Node.js 20 reports it: "fetch failed" caused by the system error. */
const fetchFailed = (cause: Error) => new TypeError('fetch failed', { cause });
const systemError = (code: string, message: string) => Object.assign(new Error(message), { code });
const noResponse = (cause: unknown) =>
  new ParleyError({ status: 0, message: 'No response from the server: fetch failed', cause });

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return address.port;
}

describe('an example bot starting', { timeout: 300_000 }, () => {
  it('says why the server cannot be reached, in words, from the error fetch wraps', () => {
    assert.equal(
      loginFailure(BASE_URL, 'echo-bot', noResponse(fetchFailed(systemError('ECONNREFUSED', 'connect ECONNREFUSED')))),
      `Cannot reach Parley at ${BASE_URL}: connection refused. Is the server running? (npm start)`,
    );
    assert.equal(
      networkReason(noResponse(fetchFailed(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND parley.invalid')))),
      'host not found',
    );
    // A host name with several addresses: each refused.
    const several = new AggregateError([systemError('ECONNREFUSED', 'a'), systemError('ECONNREFUSED', 'b')], '');
    assert.equal(networkReason(noResponse(fetchFailed(several))), 'connection refused');
    // An unknown failure is told by its innermost message.
    assert.equal(networkReason(noResponse(fetchFailed(new Error('bad port')))), 'bad port');
  });

  it('says that the server refused the login, with its reason and status', () => {
    const refused = new ParleyError({ status: 401, code: 20, message: 'Invalid site or agent credentials' });
    assert.equal(
      loginFailure(BASE_URL, 'alice', refused),
      `Parley at ${BASE_URL} refused to log in alice: Invalid site or agent credentials (HTTP 401)`,
    );
  });

  it('reads the login retry delays from the environment, refusing what is not milliseconds', () => {
    assert.deepEqual(loginRetryFromEnvironment(undefined), {});
    assert.deepEqual(loginRetryFromEnvironment(''), { retry: { delaysMs: [] } });
    assert.deepEqual(loginRetryFromEnvironment('100, 200'), { retry: { delaysMs: [100, 200] } });
    assert.throws(() => loginRetryFromEnvironment('5s'), /PARLEY_LOGIN_RETRY_DELAYS_MS/);
  });

  it('runs echo-bot against a closed port: it says where it connects, then one line, and exits 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/echo-bot.ts'], {
      cwd: ROOT,
      env: { ...process.env, PARLEY_URL: url, PARLEY_LOGIN_RETRY_DELAYS_MS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    assert.equal(code, 1, `stdout: ${stdout}\nstderr: ${stderr}`);
    assert.equal(stdout, `Connecting to Parley at ${url} (account 41325501) as echo-bot…\n`);
    assert.equal(stderr, `Cannot reach Parley at ${url}: connection refused. Is the server running? (npm start)\n`);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { serveEnvironment } from '../support/parley-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Whether something accepts connections on the port. */
const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

// Process managers stop `npm start` with SIGTERM, to npm: it must reach the server, which drains and
// exits, instead of leaving it holding the port. The project's own start script runs in a copy of
// the project whose build is a no-op (a real build here would rewrite the web apps other test files
// are serving), over the dist/ and node_modules of this checkout.
describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-npm-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the server on SIGTERM: it drains, says so, and leaves nothing on the port', async () => {
    const project = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const start = project.scripts.start;
    assert.ok(start !== undefined && start.startsWith('npm run build && '), start);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'parley-start-probe', private: true, scripts: { build: 'true', start } }),
    );
    for (const name of ['dist', 'node_modules', 'packages', 'seeds']) symlinkSync(join(ROOT, name), join(dir, name));

    const npm = spawn('npm', ['start', '--silent'], {
      cwd: dir,
      env: serveEnvironment(dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    npm.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      const listening = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/;
      // npm start builds the SDK, the web apps and the server first: minutes on a loaded machine.
      // Should npm exit instead (a failed build), the wait ends at once with its output.
      let hasExited = false;
      void exited.then(() => (hasExited = true));
      await eventually('npm start to serve', () => listening.test(output) || hasExited, { timeoutMs: 600_000 });
      assert.ok(listening.test(output), `npm start exited without serving:\n${output}`);
      const port = Number(listening.exec(output)?.[1]);
      assert.equal(await isListening(port), true);

      npm.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      assert.match(output, /Parley stopped\./);
      // npm has exited; the server it started must be gone too, not left holding the port.
      await eventually('the port to be free', async () => !(await isListening(port)), { timeoutMs: 30_000 });
    } finally {
      npm.kill('SIGKILL');
      // A server left behind would hold these pipes, and this file, open.
      npm.stdout.destroy();
      npm.stderr.destroy();
    }
  });
});

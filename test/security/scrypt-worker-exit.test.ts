import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/**
 * A worker thread left running must not keep a process alive once nothing waits for it (a runtime
 * or a store that was never closed), and must while a call is pending (the CLI awaits its hash).
 * Each case runs in a child process that does one call, does not close the worker, and should then
 * exit by itself; a generous deadline tells a hang from a busy machine.
 */
const EXIT_DEADLINE_MS = 30_000;

/** Runs `source` (ESM TypeScript; `src` names the repository's src/ folder as a URL) in a child process. */
function runChild(
  dir: string,
  source: string,
): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const script = join(dir, 'child.mts');
  writeFileSync(script, source.replaceAll('SRC/', new URL('../../src/', import.meta.url).href));
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: new URL('../..', import.meta.url).pathname,
    encoding: 'utf8',
    timeout: EXIT_DEADLINE_MS,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `test` with a temporary directory of its own. */
function inTempDir(test: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'parley-worker-exit-'));
  try {
    test(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('worker threads left open', () => {
  it('let a process exit by itself after a scrypt hash it waited for', () => {
    inTempDir((dir) => {
      const child = runChild(
        dir,
        `
        import { createScryptWorker } from 'SRC/security/scrypt-worker.ts';
        const worker = createScryptWorker();
        const key = await worker.derive('s3cret', Buffer.alloc(16), 32, { N: 1024, r: 8, p: 1 });
        console.log('derived', key.length);
        `,
      );
      assert.equal(child.signal, null, 'the process hung until it was killed');
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), 'derived 32');
    });
  });

  it('let a process exit by itself with stores it did not close, checkpointed by their workers or not', () => {
    inTempDir((dir) => {
      const child = runChild(
        dir,
        `
        import { openStore } from 'SRC/store/open-store.ts';
        const writeOnce = async (path, options) => {
          const opened = openStore({ kind: 'sqlite', path }, options);
          await opened.migrate();
          await opened.store.nonces.remember('scope', 'nonce', 0, 1);
        };
        // Below the high-water mark: the worker only ever runs its own PASSIVE checkpoints.
        await writeOnce(${JSON.stringify(join(dir, 'idle.db'))}, {});
        // A mark of one byte: every commit is followed by a TRUNCATE checkpoint in the worker.
        await writeOnce(${JSON.stringify(join(dir, 'truncated.db'))}, { walHighWaterBytes: 1 });
        console.log('remembered');
        `,
      );
      assert.equal(child.signal, null, 'the process hung until it was killed');
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), 'remembered');
    });
  });
});

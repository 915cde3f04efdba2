import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { NODE_LIVE_MS } from '../../src/core/nodes/node-registry.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openStore } from '../../src/store/open-store.js';
import { databaseTargets, POSTGRES_URL, TEST_POSTGRES_TIMEOUTS } from '../support/databases.js';

// Servers on one PostgreSQL schema without a Redis between them (docs/adr/0010-several-nodes.md):
// a second one refuses to start while the first is live, rather than split the service silently.

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const healthBody = z.object({ status: z.string(), ready: z.boolean(), node: z.string(), store: z.string() });

for (const target of (await databaseTargets()).filter((candidate) => candidate.name === 'postgres')) {
  describe(`servers sharing one database on ${target.name}`, { skip: target.unavailable, timeout: 300_000 }, () => {
    it('refuses a second server without PARLEY_REDIS_URL while the first is live, and starts once it has gone', async () => {
      const database = await target.create();
      const dir = mkdtempSync(join(tmpdir(), 'parley-nodes-'));
      dirs.push(dir);
      const config: Config = {
        ...loadConfig({
          PORT: '0',
          PARLEY_DATABASE_URL: POSTGRES_URL,
          PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
          PARLEY_LOG_LEVEL: 'silent',
        }),
        database: database.location,
        postgresTimeouts: TEST_POSTGRES_TIMEOUTS,
      };
      const running: RunningServer[] = [];
      try {
        const first = await startServer(config, () => undefined);
        running.push(first);
        const health = await fetch(`${first.url}/health`);
        assert.equal(health.status, 200);
        const firstNode = healthBody.parse(await health.json()).node;
        assert.equal(firstNode, first.runtime.core.nodes.id);

        await assert.rejects(
          startServer(config, () => assert.fail('a refused server prints nothing')),
          (error) =>
            error instanceof ConfigError &&
            error.message.startsWith('PARLEY_REDIS_URL: another Parley node') &&
            error.message.includes(`id ${firstNode}`) &&
            error.message.includes('every node must set PARLEY_REDIS_URL to the same Redis'),
        );

        // Drained and deregistered: the next one starts.
        await first.close();
        running.pop();
        const second = await startServer(config, () => undefined);
        running.push(second);
        assert.equal((await fetch(`${second.url}/health`)).status, 200);
        await second.close();
        running.pop();

        // One that died without deregistering: its row stays, but its heartbeat goes stale.
        const opened = openStore(database.location, { poolSize: 1, postgresTimeouts: TEST_POSTGRES_TIMEOUTS });
        try {
          const now = Date.now();
          await opened.store.nodes.save({
            id: 'died-long-ago',
            host: 'elsewhere',
            address: 'elsewhere:8080',
            pid: 1,
            startedAt: now - 3_600_000,
            heartbeatAt: now - NODE_LIVE_MS - 5_000,
            usesRedis: false,
            isDraining: false,
          });
        } finally {
          await opened.store.close();
        }
        const third = await startServer(config, () => undefined);
        running.push(third);
        assert.equal((await fetch(`${third.url}/health`)).status, 200);
        await third.close();
        running.pop();

        // One that crashed on this host a moment ago: its heartbeat is fresh, but its process is gone.
        const crashed = spawn(process.execPath, ['-e', '']);
        const crashedPid = crashed.pid;
        assert.ok(crashedPid !== undefined);
        await once(crashed, 'exit');
        const again = openStore(database.location, { poolSize: 1, postgresTimeouts: TEST_POSTGRES_TIMEOUTS });
        try {
          await again.store.nodes.save({
            id: 'crashed-just-now',
            host: hostname(),
            address: '127.0.0.1:0',
            pid: crashedPid,
            startedAt: Date.now() - 60_000,
            heartbeatAt: Date.now(),
            usesRedis: false,
            isDraining: false,
          });
        } finally {
          await again.store.close();
        }
        const fourth = await startServer(config, () => undefined);
        running.push(fourth);
        assert.equal((await fetch(`${fourth.url}/health`)).status, 200);
      } finally {
        for (const server of running) await server.close();
        await database.drop();
      }
    });
  });
}

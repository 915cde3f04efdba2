import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../../src/config.js';
import { LISTEN_BACKLOG, startServer, type RunningServer } from '../../src/server.js';

/** More than Node's default backlog (511) holds, and less than Parley's. */
const CONNECTIONS = 1_000;

// Opens the connections once told to, each sending `GET /health`; tells the main thread when the
// last one is connected, and counts the answers.
const CLIENT_SOURCE = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const flags = new Int32Array(workerData.flags);
Atomics.wait(flags, 1, 0);
let connected = 0;
let answered = 0;
let closed = 0;
for (let i = 0; i < workerData.count; i += 1) {
  const socket = net.connect(workerData.port, '127.0.0.1', () => {
    socket.write('GET /health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n');
    connected += 1;
    if (connected === workerData.count) {
      Atomics.store(flags, 0, 1);
      Atomics.notify(flags, 0);
    }
  });
  let head = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => (head += chunk));
  socket.on('close', () => {
    if (head.startsWith('HTTP/1.1 200')) answered += 1;
    closed += 1;
    if (closed === workerData.count) parentPort.postMessage({ connected, answered });
  });
  socket.on('error', () => undefined);
}
`;

describe('the listen backlog', () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-backlog-'));
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ accounts: [{ id: '779', users: [] }] }));
    server = await startServer(
      loadConfig({
        PORT: '0',
        PARLEY_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
        PARLEY_SEED: seed,
        PARLEY_LOG_LEVEL: 'silent',
      }),
      () => undefined,
    );
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds a thousand connections arriving while the event loop is busy, and answers each', async () => {
    // Linux caps every backlog at net.core.somaxconn: below the connections, this machine cannot show it.
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    assert.ok(somaxconn > CONNECTIONS, `net.core.somaxconn is ${somaxconn}; this test needs more than ${CONNECTIONS}`);
    assert.ok(LISTEN_BACKLOG > CONNECTIONS);

    // flags[0]: every connection is complete; flags[1]: the client may begin.
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const client = new Worker(CLIENT_SOURCE, {
      eval: true,
      workerData: { port: Number(new URL(server.url).port), count: CONNECTIONS, flags: flags.buffer },
    });
    await once(client, 'online');
    const result = once(client, 'message') as Promise<[{ connected: number; answered: number }]>;

    // The event loop stays blocked from the client's start until every connection is complete, so
    // the server accepts none: the kernel must hold them all. With Node's default backlog of 511
    // it drops the SYNs past the 512th, which come again only after 1, 3, 7 s… and never complete
    // while the loop stays blocked: the wait then runs out.
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    const waited = Atomics.wait(flags, 0, 0, 30_000);
    // ('not-equal': all were complete before this thread came to wait, which blocked it no less.)
    assert.notEqual(waited, 'timed-out', 'not every connection was held while the event loop was busy');

    const [{ connected, answered }] = await result;
    assert.equal(connected, CONNECTIONS);
    assert.equal(answered, CONNECTIONS);
    await client.terminate();
  });
});

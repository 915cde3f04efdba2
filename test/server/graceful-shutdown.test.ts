import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { send } from '../support/http-client.js';
import {
  DEMO_ACCOUNT,
  DEMO_APP_KEY,
  demoChatAccepted,
  demoVisitor,
  parleyProcesses,
} from '../support/parley-process.js';
import { assertDrainRefusal, openRaw, parseResponses } from '../support/raw-socket.js';

// The real `parley serve` as a child process, stopped with a real SIGTERM (docs/adr/0006-graceful-drain.md).
/** A hang check, well below the 60 s drain deadline and the 72 s keep-alive timeout the exit used to wait for. */
const EXIT_SLACK_MS = 30_000;

const { freshDir, start } = parleyProcesses('parley-shutdown-');

const visitorPath = (path: string) => `/api/account/${DEMO_ACCOUNT}${path}?v=1&NC=true&appKey=${DEMO_APP_KEY}`;
const host = (url: string) => `Host: ${new URL(url).host}\r\n`;
const healthRequest = (url: string) => `GET /health HTTP/1.1\r\n${host(url)}\r\n`;
/** The head of a Start Chat POST whose body is `length` bytes (sent later, or never in full). */
const startChatHead = (url: string, length: number) =>
  `POST ${visitorPath('/chat/request.json')} HTTP/1.1\r\n${host(url)}Content-Type: application/json\r\n` +
  `Content-Length: ${length}\r\n\r\n`;

const healthBody = z.object({ status: z.string(), ready: z.boolean(), store: z.string() });

describe('SIGTERM drains the server', () => {
  it('lets a request in flight on a keep-alive connection finish with Connection: close, says draining, and exits at once', async () => {
    // A deadline the test's own steps cannot reach even on a busy machine: the exit that follows
    // the last answer is then the drain ending early, never the deadline passing.
    const server = await start(freshDir(), { PARLEY_DRAIN_TIMEOUT_MS: '60000' });
    const body = JSON.stringify({ request: {} });

    // Pipelined behind a /health, so once its answer is back the server has read the POST's head:
    // the connection is busy, not idle, when the signal comes.
    const inFlight = await openRaw(server.url);
    inFlight.write(healthRequest(server.url) + startChatHead(server.url, body.length) + body.slice(0, 5));
    await inFlight.waitFor(/"status":"ok"/);
    // A second /health whose head is not finished yet: it arrives during the drain.
    const health = await openRaw(server.url);
    health.write(`${healthRequest(server.url)}GET /health HTTP/1.1\r\n${host(server.url)}`);
    await health.waitFor(/"status":"ok"/);
    // Neither an idle keep-alive connection nor one that never sent a byte holds the drain up.
    const idle = await openRaw(server.url);
    idle.write(healthRequest(server.url));
    await idle.waitFor(/"status":"ok"/);
    const preconnected = await openRaw(server.url);

    server.child.kill('SIGTERM');
    await server.waitForLog(/"msg":"draining"/);
    await idle.closed();
    await preconnected.closed();
    health.write('\r\n');
    await health.closed();
    const lastWorkAt = Date.now();
    inFlight.write(body.slice(5));
    await inFlight.closed();
    const exit = await server.exited;

    const [, draining] = parseResponses(health.received());
    assert.equal(draining?.status, 503, health.received());
    assert.deepEqual(healthBody.parse(JSON.parse(draining.body)), { status: 'draining', ready: false, store: 'ok' });
    const [, answered] = parseResponses(inFlight.received());
    assert.equal(answered?.status, 201, inFlight.received());
    assert.equal(answered.headers.get('connection'), 'close');
    assert.match(answered.headers.get('location') ?? '', /\/chat\/[^/]+$/);
    assert.equal(exit.code, 0);
    assert.doesNotMatch(server.output(), /drain deadline passed/, 'everything finished before the deadline');
    // A hang check, far below the 60 s deadline: the exit followed the last request, not the deadline.
    assert.ok(exit.at - lastWorkAt < EXIT_SLACK_MS, `exited ${exit.at - lastWorkAt} ms after the last request`);
  });

  it('answers a request whose body never completes 503 with Retry-After at the deadline, then exits', async () => {
    const server = await start(freshDir(), { PARLEY_DRAIN_TIMEOUT_MS: '2000' });
    const slow = await openRaw(server.url);
    slow.write(healthRequest(server.url) + startChatHead(server.url, 100_000) + '{"request":');
    await slow.waitFor(/"status":"ok"/);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // The body keeps dribbling in and never ends.
    const dribble = setInterval(() => slow.write(' '), 100);
    try {
      await slow.closed();
    } finally {
      clearInterval(dribble);
    }
    const exit = await server.exited;

    const [, refused] = parseResponses(slow.received());
    assertDrainRefusal(refused, slow.received());
    assert.equal(exit.code, 0);
    assert.ok(exit.at - signalledAt < 2_000 + EXIT_SLACK_MS, `exited ${exit.at - signalledAt} ms after SIGTERM`);
    assert.match(server.output(), /"refused":1,"abandoned":0/);
  });

  it('exits at once on a second signal, without waiting for the deadline', async () => {
    const server = await start(freshDir(), { PARLEY_DRAIN_TIMEOUT_MS: '600000' });
    const slow = await openRaw(server.url);
    slow.write(healthRequest(server.url) + startChatHead(server.url, 1_000) + '{"request":');
    await slow.waitFor(/"status":"ok"/);

    server.child.kill('SIGTERM');
    await server.waitForLog(/"msg":"draining"/);
    const secondAt = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;

    assert.equal(exit.code, 1);
    assert.ok(exit.at - secondAt < EXIT_SLACK_MS, `exited ${exit.at - secondAt} ms after the second SIGTERM`);
    await slow.closed();
  });

  it('leaves every line POST racing the signal either acknowledged and stored once, or refused and not stored', async () => {
    const dir = freshDir();
    // Far beyond the test's own steps: every request in flight at the signal gets to finish.
    const first = await start(dir, { PARLEY_DRAIN_TIMEOUT_MS: '60000' });
    const baseUrl = first.url;
    const chatId = await demoChatAccepted(baseUrl);
    const linesPath = visitorPath(`/chat/${chatId}/events.json`);

    type Outcome = { text: string; status: number; retryAfter?: string } | { text: string; error: string };
    /** A line POSTed on one of the client's keep-alive connections; a connection the server closes is an error. */
    const postLine = (text: string): Promise<Outcome> =>
      send(baseUrl, 'POST', linesPath, { body: { event: { '@type': 'line', text } } }).then(
        (response) => {
          const retryAfter = response.header('retry-after');
          return { text, status: response.status, ...(retryAfter === undefined ? {} : { retryAfter }) };
        },
        (error: unknown) => ({ text, error: error instanceof Error ? error.message : String(error) }),
      );

    // Three POSTs surely in flight at the signal, whatever the timing: each is pipelined behind a
    // /health, so once that is answered the server has read the POST's head; its body waits.
    const held = await Promise.all(
      ['held 0', 'held 1', 'held 2'].map(async (text) => {
        const payload = JSON.stringify({ event: { '@type': 'line', text } });
        const connection = await openRaw(baseUrl);
        connection.write(
          healthRequest(baseUrl) +
            `POST ${linesPath} HTTP/1.1\r\n${host(baseUrl)}Content-Type: application/json\r\n` +
            `Content-Length: ${payload.length}\r\n\r\n${payload.slice(0, 5)}`,
        );
        await connection.waitFor(/"status":"ok"/);
        return { text, connection, rest: payload.slice(5) };
      }),
    );

    // Five keep-alive connections, twenty lines each; the signal comes after the twentieth answer.
    const outcomes: Outcome[] = [];
    const flood = Promise.all(
      Array.from({ length: 5 }, async (_, worker) => {
        for (let n = 0; n < 20; n += 1) {
          const outcome = await postLine(`line ${worker}-${n}`);
          outcomes.push(outcome);
          if (outcomes.length === 20) first.child.kill('SIGTERM');
        }
      }),
    );
    // The held POSTs' bodies arrive during the drain.
    await first.waitForLog(/"msg":"draining"/);
    for (const { connection, rest } of held) connection.write(rest);
    await flood;
    for (const { connection } of held) await connection.closed();
    const exit = await first.exited;
    assert.equal(exit.code, 0);
    assert.doesNotMatch(first.output(), /drain deadline passed/, 'every request in flight finished');

    for (const { connection } of held) {
      const [, answered] = parseResponses(connection.received());
      assert.equal(answered?.status, 201, connection.received());
      assert.equal(answered.headers.get('connection'), 'close');
    }
    const acknowledged = [
      ...held.map(({ text }) => text),
      ...outcomes.filter((o) => 'status' in o && o.status === 201).map((o) => o.text),
    ];
    for (const outcome of outcomes) {
      if ('error' in outcome || outcome.status === 201) continue;
      assert.equal(outcome.status, 503, JSON.stringify(outcome));
      assert.equal(outcome.retryAfter, '1', JSON.stringify(outcome));
    }
    assert.equal(outcomes.length, 100);
    assert.ok(acknowledged.length >= 3 + 20, `${acknowledged.length} acknowledged`);

    const second = await start(dir);
    const stored = (await demoVisitor(second.url).events(chatId))
      .filter((event) => event.source === 'visitor')
      .map((event) => event.text ?? '');
    assert.deepEqual(
      [...stored].sort(),
      [...acknowledged].sort(),
      'every acknowledged line stored exactly once, no other line stored',
    );
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  });
});

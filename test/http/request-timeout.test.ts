import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { openRaw, parseResponses } from '../support/raw-socket.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

const [sqlite] = await databaseTargets();
const REQUEST_TIMEOUT_MS = 1_000;

const envelope = z.object({
  error: z.object({ time: z.string(), message: z.string(), internalCode: z.number(), responseStatus: z.string() }),
});

describe('the request timeout', () => {
  let server: TestServer;
  let account: ReturnType<typeof accountSeed>['seed']['accounts'][number];
  before(async () => {
    server = await startTestServer(sqlite!, {
      http: { requestTimeoutMs: REQUEST_TIMEOUT_MS },
      // An answer that has begun and never ends, as an event stream's.
      routes: (app) =>
        app.get('/test/endless', (_request, reply) => {
          reply.hijack();
          reply.raw.writeHead(200, { 'content-type': 'text/plain' });
          reply.raw.write('first line\n');
        }),
    });
    const { seed } = accountSeed();
    await applySeed(server.core, seed);
    account = seed.accounts[0]!;
  });
  after(async () => {
    server.app.server.closeAllConnections();
    await server.close();
  });

  /** Asserts the socket got one 408 in the JSON envelope and was closed. */
  function assertTimedOut(received: string): void {
    const [answer, ...more] = parseResponses(received);
    assert.equal(answer?.status, 408, received);
    assert.equal(more.length, 0);
    assert.equal(answer.headers.get('connection'), 'close');
    const { error } = envelope.parse(JSON.parse(answer.body));
    assert.equal(error.internalCode, 40);
    assert.equal(error.responseStatus, 'REQUEST_TIMEOUT');
  }

  it('answers 408 and closes the socket when a body keeps dribbling and never completes', async () => {
    const slow = await openRaw(server.baseUrl);
    slow.write(
      `POST /api/account/${account.id}/chat/request.json?v=1&NC=true&appKey=${account.appKeys[0]} HTTP/1.1\r\n` +
        `Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"request":`,
    );
    const dribble = setInterval(() => slow.write(' '), 100);
    try {
      await slow.closed();
    } finally {
      clearInterval(dribble);
    }
    assertTimedOut(slow.received());
  });

  /** Sends `head` and then dribbles a body that never completes; returns what came back. */
  async function dribbleBody(head: string): Promise<string> {
    const slow = await openRaw(server.baseUrl);
    slow.write(`${head}Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{`);
    const dribble = setInterval(() => slow.write(' '), 100);
    try {
      await slow.closed();
    } finally {
      clearInterval(dribble);
    }
    return slow.received();
  }

  it("answers a slow body in its API's own form: the Login Service's time, XML for a .xml chat path", async () => {
    const login = await dribbleBody(`POST /api/account/${account.id}/login?v=1.3 HTTP/1.1\r\n`);
    assertTimedOut(login);
    const [loginAnswer] = parseResponses(login);
    assert.match(
      envelope.parse(JSON.parse(loginAnswer?.body ?? '')).error.time,
      /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/,
    );
    assert.equal(loginAnswer?.headers.get('x-content-type-options'), 'nosniff');

    const xml = await dribbleBody(
      `POST /api/account/${account.id}/chat/request.xml?v=1&NC=true&appKey=${account.appKeys[0]} HTTP/1.1\r\n`,
    );
    const [xmlAnswer] = parseResponses(xml);
    assert.equal(xmlAnswer?.status, 408, xml);
    assert.equal(xmlAnswer.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.match(
      xmlAnswer.body,
      /<error><time>\d{4}-\d{2}-\d{2}T[^<]+<\/time><message>The request did not arrive in time<\/message><internalCode>40<\/internalCode><responseStatus>REQUEST_TIMEOUT<\/responseStatus><\/error>$/,
    );
  });

  it('answers 408 and closes the socket when the headers never complete', async () => {
    const slow = await openRaw(server.baseUrl);
    slow.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const dribble = setInterval(() => slow.write('X-Slow: 1\r\n'), 100);
    try {
      await slow.closed();
    } finally {
      clearInterval(dribble);
    }
    assertTimedOut(slow.received());
  });

  it('only closes the socket, writing no 400 into an answer under way, when garbage follows its request', async () => {
    const raw = await openRaw(server.baseUrl);
    raw.write('GET /test/endless HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await raw.waitFor(/first line\n/);
    raw.write('\u0001\u0002 this is not HTTP\r\n\r\n');
    await raw.closed();
    assert.equal(parseResponses(raw.received()).length, 1, raw.received());
    assert.doesNotMatch(raw.received(), /HTTP\/1\.1 400/);
  });

  it('does not cut a long-poll or an event stream that outlasts it: they are slow answers, not slow requests', async () => {
    const headers = { authorization: `LivePerson appKey=${account.appKeys[0]}` };
    const started = await send(server.baseUrl, 'POST', `/api/account/${account.id}/chat/request.json?v=1&NC=true`, {
      headers,
      body: { request: {} },
    });
    assert.equal(started.status, 201, started.text);
    const chat = new URL(started.header('location')!).pathname;
    const stream = await new Promise<IncomingMessage>((resolve, reject) => {
      request(
        new URL(`${chat}/events?from=0`, server.baseUrl),
        { headers: { ...headers, accept: 'text/event-stream' } },
        resolve,
      )
        .on('error', reject)
        .end();
    });
    let hasStreamEnded = false;
    stream.on('data', () => undefined).on('close', () => (hasStreamEnded = true));

    // Three request timeouts long: the answer comes when its wait is over.
    const polled = await send(server.baseUrl, 'GET', `${chat}.json?v=1&NC=true&from=99&wait=3`, { headers });

    assert.equal(polled.status, 200, polled.text);
    assert.equal(
      z.object({ chat: z.object({ info: z.object({ state: z.string() }) }) }).parse(polled.json()).chat.info.state,
      'waiting',
    );
    assert.equal(hasStreamEnded, false, 'the event stream is still open');
    stream.destroy();
  });
});

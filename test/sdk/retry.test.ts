import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AgentClient,
  ParleyError,
  VisitorClient,
  type RecoveryEvent,
  type Sleep,
} from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { describeRequest, startSdkServer } from '../support/sdk.js';

const HOUR = 3_600_000;

interface SeenRequest {
  method: string;
  url: string;
  headers: Headers;
  body: string | undefined;
}

/**
 * A fetch to the real server that first asks `fake` about each request: a Response or an Error
 * replaces the server's answer, undefined passes the request through. Records every request.
 */
function scriptedFetch(fake: (request: SeenRequest, seen: SeenRequest[]) => Response | Error | undefined) {
  const seen: SeenRequest[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const { url, method, headers } = describeRequest(input, init);
    const request = { method, url, headers, body: typeof init?.body === 'string' ? init.body : undefined };
    seen.push(request);
    const answer = fake(request, seen);
    if (answer instanceof Error) throw answer;
    return answer ?? fetch(input, init);
  };
  const count = (pattern: RegExp, method?: string) =>
    seen.filter((request) => pattern.test(request.url) && (method === undefined || request.method === method)).length;
  return { fetch: wrapped, seen, count };
}

const envelope = (status: number, internalCode: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { time: '', message: 'scripted', internalCode, responseStatus: 'X' } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** A sleep that records what was asked and returns at once. */
function fakeSleep() {
  const delays: number[] = [];
  const sleep: Sleep = (ms) => {
    delays.push(ms);
    return Promise.resolve();
  };
  return { sleep, delays };
}

const rejectsWith = async (promise: Promise<unknown>, status: number, code: number | undefined) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ParleyError, String(error));
    assert.deepEqual([error.status, error.code], [status, code], error.message);
    return true;
  });

const [target] = await databaseTargets();

describe('the SDK retry policy (platform §6.1) against a real server', () => {
  let fixture: Awaited<ReturnType<typeof startSdkServer>>;
  const visitorOptions = () => ({ baseUrl: fixture.baseUrl, accountId: fixture.accountId, appKey: fixture.appKey });
  const alice = () => ({
    baseUrl: fixture.baseUrl,
    accountId: fixture.accountId,
    username: 'alice',
    password: 'alice-pass',
  });

  before(async () => {
    fixture = await startSdkServer(target!);
  });
  after(() => fixture.close());

  it('retries a 503 after 5 and 10 s, then succeeds', async () => {
    const net = scriptedFetch((request) =>
      /\/login\?/.test(request.url) && net.count(/\/login\?/) <= 2 ? envelope(503, 99) : undefined,
    );
    const { sleep, delays } = fakeSleep();
    const agent = await AgentClient.login({ ...alice(), fetch: net.fetch, sleep });
    assert.deepEqual(delays, [5_000, 10_000]);
    assert.equal(net.count(/\/login\?/), 3);
    await agent.logout();
  });

  it('gives up after three retries of a 5xx, with the configured pauses', async () => {
    const net = scriptedFetch((request) => (/\/availability\.json/.test(request.url) ? envelope(500, 99) : undefined));
    const { sleep, delays } = fakeSleep();
    const query = { ...visitorOptions(), fetch: net.fetch, sleep };
    await rejectsWith(VisitorClient.isAvailable(query), 500, 99);
    assert.deepEqual(delays, [5_000, 10_000, 15_000]);
    assert.equal(net.count(/\/availability\.json/), 4);

    const quick = fakeSleep();
    await rejectsWith(
      VisitorClient.isAvailable({ ...query, sleep: quick.sleep, retry: { delaysMs: [1, 2] } }),
      500,
      99,
    );
    assert.deepEqual(quick.delays, [1, 2]);
  });

  it('an agent client recovers slowly after the fast retries, as configured, and gives up when told', async () => {
    const net = scriptedFetch((request) => (/\/availability\.json/.test(request.url) ? envelope(503, 99) : undefined));
    let now = 1_000_000;
    const delays: number[] = [];
    const sleep: Sleep = (ms) => {
      delays.push(ms);
      now += ms;
      return Promise.resolve();
    };
    const events: RecoveryEvent[] = [];
    const retry = {
      delaysMs: [1],
      recoveryDelayMs: 100,
      recoveryFactor: 3,
      recoveryMaxDelayMs: 500,
      recoveryJitter: 0,
      recoveryGiveUpAfterMs: 2_000,
    };
    const agent = await AgentClient.login({
      ...alice(),
      fetch: net.fetch,
      sleep,
      now: () => now,
      retry,
      onRecovery: (event) => events.push(event),
    });
    await rejectsWith(agent.availability(), 503, 99);
    // 1 ms fast, then 100, 300, 500 (the cap), … until 2 s after the first failure.
    assert.deepEqual(delays, [1, 100, 300, 500, 500, 500]);
    assert.deepEqual(
      events.map((event) => (event.type === 'waiting' ? [event.attempt, event.delayMs, event.status] : event.type)),
      [
        [1, 100, 503],
        [2, 300, 503],
        [3, 500, 503],
        [4, 500, 503],
        [5, 500, 503],
      ],
    );

    // Without slow recovery, the fast retries are all.
    const fast = await AgentClient.login({ ...alice(), fetch: net.fetch, sleep, retry, slowRecovery: false });
    delays.length = 0;
    await rejectsWith(fast.availability(), 503, 99);
    assert.deepEqual(delays, [1]);
    await Promise.all([agent.logout(), fast.logout()]);
  });

  it('logging out ends a request that waits for the server to come back', async () => {
    const net = scriptedFetch((request) =>
      /\/availability\.json/.test(request.url) ? new TypeError('fetch failed') : undefined,
    );
    const events: RecoveryEvent[] = [];
    const agent = await AgentClient.login({
      ...alice(),
      fetch: net.fetch,
      retry: { delaysMs: [1], recoveryDelayMs: HOUR },
      onRecovery: (event) => events.push(event),
    });
    const pending = agent.availability();
    await eventually('the first slow wait', () => events.length === 1);
    assert.equal(events[0]?.type === 'waiting' ? events[0].status : undefined, 0);
    const outcome = assert.rejects(pending, /Logged out/);
    await agent.logout();
    await outcome;
  });

  it('waits at least Retry-After after a 429: 1 s at least, 5 s at least for a login', async () => {
    const net = scriptedFetch((request, seen) => {
      const isFirst = seen.filter((other) => other.url === request.url && other.method === request.method).length === 1;
      if (isFirst && /\/login\?|\/chat\/availability/.test(request.url))
        return envelope(429, 50, { 'retry-after': '1' });
      if (isFirst && /\/chat\/availableSlots|\/chat\/preSurvey/.test(request.url))
        return envelope(429, 50, { 'retry-after': '3' });
      return undefined;
    });
    const visitorSleep = fakeSleep();
    assert.equal(
      typeof (await VisitorClient.isAvailable({ ...visitorOptions(), fetch: net.fetch, sleep: visitorSleep.sleep })),
      'boolean',
    );
    assert.equal(visitorSleep.delays.length, 1);
    assert.ok(visitorSleep.delays[0]! >= 1_000 && visitorSleep.delays[0]! < 1_250, String(visitorSleep.delays));

    const longer = fakeSleep();
    const survey = await VisitorClient.preChatSurvey({ ...visitorOptions(), fetch: net.fetch, sleep: longer.sleep });
    assert.equal(survey.id, '40216');
    assert.ok(longer.delays[0]! >= 3_000 && longer.delays[0]! < 3_250, String(longer.delays));

    const loginSleep = fakeSleep();
    const agent = await AgentClient.login({ ...alice(), fetch: net.fetch, sleep: loginSleep.sleep });
    assert.equal(loginSleep.delays.length, 1);
    assert.ok(loginSleep.delays[0]! >= 5_000 && loginSleep.delays[0]! < 5_250, String(loginSleep.delays));
    await agent.logout();
  });

  it('retries a network error, and looks the hosts up again after one', async () => {
    const net = scriptedFetch((request) =>
      /\/chat\/request/.test(request.url) && net.count(/\/chat\/request/) === 1
        ? new TypeError('fetch failed')
        : undefined,
    );
    const { sleep, delays } = fakeSleep();
    const visitor = await VisitorClient.startChat({
      ...visitorOptions(),
      skill: 'Sales',
      fetch: net.fetch,
      sleep,
      keepAliveMs: 0,
    });
    assert.match(visitor.id, /^H/);
    assert.deepEqual(delays, [5_000]);
    assert.equal(net.count(/\/chat\/request/), 2);
    assert.equal(net.count(/\/service\/baseURI\.json/), 2, 'the Domain API is asked again after a network failure');
    await visitor.end();
  });

  it('answers a request that never gets a response with a ParleyError of status 0', async () => {
    const net = scriptedFetch((request) =>
      /\/chat\/availability/.test(request.url) ? new TypeError('fetch failed') : undefined,
    );
    const { sleep, delays } = fakeSleep();
    await assert.rejects(
      VisitorClient.isAvailable({ ...visitorOptions(), fetch: net.fetch, sleep }),
      (error: unknown) => {
        assert.ok(error instanceof ParleyError);
        assert.equal(error.status, 0);
        assert.ok(error.isNetworkError);
        assert.ok(error.cause instanceof TypeError);
        return true;
      },
    );
    assert.deepEqual(delays, [5_000, 10_000, 15_000]);
  });

  it('never retries another 4xx: a ParleyError with status, code, message and body', async () => {
    const net = scriptedFetch(() => undefined);
    const { sleep, delays } = fakeSleep();
    const visitor = await VisitorClient.startChat({
      ...visitorOptions(),
      skill: 'Sales',
      fetch: net.fetch,
      sleep,
      keepAliveMs: 0,
    });
    // Nobody accepted yet: a line is refused in the waiting state (server-chat §3.11).
    await assert.rejects(visitor.sendLine('anyone?'), (error: unknown) => {
      assert.ok(error instanceof ParleyError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 5);
      assert.ok(error.message.length > 0);
      const body: unknown = error.body;
      const envelope = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
      assert.deepEqual(Object.keys(envelope ?? {}).sort(), ['internalCode', 'message', 'responseStatus', 'time']);
      return true;
    });
    assert.equal(net.count(/\/events\.json/, 'POST'), 1);
    await rejectsWith(
      VisitorClient.startChat({ ...visitorOptions(), fetch: net.fetch, sleep, maxWaitTime: 999_999 }),
      400,
      40,
    );
    await rejectsWith(visitor.requestTranscript('not an address'), 400, 40);
    await rejectsWith(
      VisitorClient.isAvailable({ ...visitorOptions(), appKey: 'wrong', fetch: net.fetch, sleep }),
      401,
      undefined,
    );
    await rejectsWith(AgentClient.login({ ...alice(), password: 'wrong', fetch: net.fetch, sleep }), 401, 20);
    assert.deepEqual(delays, []);
    await visitor.end();
  });

  it('logs in again once on a 401: new bearer, new agent session, availability restored', async () => {
    const net = scriptedFetch(() => undefined);
    const agent = await AgentClient.login({ ...alice(), fetch: net.fetch });
    await agent.setAvailability('Away');
    const firstSession = agent.agentSessionId;
    // The login session expires (8 h without a refresh, platform §4.7).
    fixture.server.clock.advance(9 * HOUR);
    assert.equal(await agent.availability(), 'Away');
    assert.equal(net.count(/\/login\?/), 2);
    assert.notEqual(agent.agentSessionId, firstSession);
    assert.equal(await agent.ringingCount(), 0);
    assert.equal(net.count(/\/login\?/), 2, 'one re-login, not one per request');
    await agent.logout();
  });

  it('does not log in again twice for one request', async () => {
    const net = scriptedFetch((request) => (/\/incomingRequests/.test(request.url) ? envelope(401, 30) : undefined));
    const agent = await AgentClient.login({ ...alice(), fetch: net.fetch });
    await rejectsWith(agent.ringingCount(), 401, 30);
    assert.equal(net.count(/\/login\?/), 2);
    assert.equal(net.count(/\/incomingRequests/), 2);
    await agent.logout();
  });

  it('refreshes with the session cookie and the csrf, which keeps the login alive', async () => {
    const net = scriptedFetch(() => undefined);
    const agent = await AgentClient.login({ ...alice(), fetch: net.fetch });
    const login = net.seen.find((request) => /\/login\?/.test(request.url))!;
    assert.equal(login.headers.get('cookie'), null);
    fixture.server.clock.advance(7 * HOUR);
    await agent.refresh();
    const refresh = net.seen.find((request) => /\/refresh\?/.test(request.url))!;
    assert.match(refresh.headers.get('cookie') ?? '', /^session_id=[^;]+$/);
    assert.match(refresh.body ?? '', /^\{"csrf":"[0-9a-f]{64}"\}$/);
    // 9 h after the login, 2 h after the refresh: still the same login.
    fixture.server.clock.advance(2 * HOUR);
    assert.equal(await agent.ringingCount(), 0);
    assert.equal(net.count(/\/login\?/), 1);

    // A refresh of a session that has expired logs in again.
    fixture.server.clock.advance(9 * HOUR);
    await agent.refresh();
    assert.equal(net.count(/\/login\?/), 2);
    await agent.logout();
    const logout = net.seen.find((request) => /\/logout\?/.test(request.url))!;
    // The cookie of the second login, not the first.
    assert.match(logout.headers.get('cookie') ?? '', /^session_id=[^;]+$/);
    assert.notEqual(logout.headers.get('cookie'), refresh.headers.get('cookie'));
  });

  it('refreshes on its own at the configured cadence, and stops at logout', async () => {
    const net = scriptedFetch(() => undefined);
    const agent = await AgentClient.login({ ...alice(), fetch: net.fetch, refreshIntervalMs: 20 });
    await eventually('two refreshes', () => net.count(/\/refresh\?/) >= 2, { intervalMs: 10 });
    await agent.logout();
    const refreshes = net.count(/\/refresh\?/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(net.count(/\/refresh\?/), refreshes);
  });
});

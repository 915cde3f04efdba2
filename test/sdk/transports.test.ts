import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, VisitorClient, type EventFeedOptions } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { collect, describeRequest, hasLine, startSdkServer } from '../support/sdk.js';

/** A fetch that may rewrite each request (URL and headers) or answer it itself; records what went out. */
function rewritingFetch(
  rewrite: (request: { url: string; headers: Headers }) => { url: string; headers: Headers } | Response,
) {
  const sent: { url: string; accept: string | null }[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const { url, headers } = describeRequest(input, init);
    const outcome = rewrite({ url, headers });
    if (outcome instanceof Response) return outcome;
    sent.push({ url: outcome.url, accept: outcome.headers.get('accept') });
    return fetch(outcome.url, { ...init, headers: outcome.headers });
  };
  return { fetch: wrapped, sent };
}

const notFound = () =>
  new Response(JSON.stringify({ error: { message: 'Not found', internalCode: 42 } }), {
    status: 404,
    headers: { 'content-type': 'application/json' },
  });

const [target] = await databaseTargets();

describe('the SDK reads events over every transport', () => {
  let fixture: Awaited<ReturnType<typeof startSdkServer>>;

  before(async () => {
    fixture = await startSdkServer(target!);
  });
  after(() => fixture.close());

  /** A chat between echo-bot and a visitor, both reading with `events`; returns both feeds once it ended. */
  async function converse(events: EventFeedOptions, fetchImpl?: typeof fetch) {
    const { baseUrl, accountId, appKey, botKey } = fixture;
    const network = fetchImpl === undefined ? {} : { fetch: fetchImpl };
    const bot = await AgentClient.login({ baseUrl, accountId, username: 'echo-bot', ...botKey, ...network, events });
    await bot.setAvailability('Online');
    const visitor = await VisitorClient.startChat({ baseUrl, accountId, appKey, skill: 'Sales', ...network, events });
    const chat = await bot.acceptNext();
    assert.ok(chat !== null);
    const agentFeed = collect(chat.events());
    const visitorFeed = collect(visitor.events());
    await visitorFeed.until((items) => items.some((event) => event.systemMessageId === 3), 'line 3');
    await visitor.sendLine('ping');
    await agentFeed.until((items) => hasLine(items, 'visitor', 'ping'), 'ping');
    await chat.sendLine('pong');
    await visitorFeed.until((items) => hasLine(items, 'agent', 'pong'), 'pong');
    await chat.end();
    await Promise.all([agentFeed.done, visitorFeed.done]);
    assert.equal(agentFeed.state.error, undefined);
    assert.equal(visitorFeed.state.error, undefined);
    assert.deepEqual(agentFeed.items, await chat.history());
    assert.deepEqual(visitorFeed.items, await visitor.history());
    assert.equal(agentFeed.items.at(-1)?.state, 'ended');
    await bot.logout();
    return { agent: agentFeed.items, visitor: visitorFeed.items };
  }

  for (const transport of ['long-poll', 'poll'] as const) {
    it(`delivers every event with transport ${transport}`, async () => {
      const net = rewritingFetch((request) => request);
      await converse({ transport, waitSeconds: 2, pollIntervalMs: 20 }, net.fetch);
      assert.ok(!net.sent.some((request) => request.accept === 'text/event-stream'));
      const waits = net.sent.filter((request) => /[?&]wait=2&/.test(request.url));
      assert.equal(waits.length > 0, transport === 'long-poll');
    });
  }

  it('falls back to long-polls when the server answers a stream request with JSON', async () => {
    // As a server that ignores `Accept: text/event-stream` would.
    const net = rewritingFetch(({ url, headers }) => {
      if (headers.get('accept') === 'text/event-stream') headers.set('accept', 'application/json');
      return { url, headers };
    });
    await converse({ waitSeconds: 2, pollIntervalMs: 20 }, net.fetch);
    assert.ok(
      net.sent.some((request) => /\/events\?from=0&/.test(request.url)),
      'tried a stream first',
    );
    assert.ok(
      net.sent.some((request) => /[?&]wait=2&/.test(request.url)),
      'then long-polls',
    );
  });

  it('falls back to plain polls of the next link when `wait` is refused', async () => {
    // A server that says 406 to the stream and 400 to `wait` is polled.
    const polite = rewritingFetch(({ url, headers }) => {
      if (headers.get('accept') === 'text/event-stream') return new Response('', { status: 406 });
      if (/[?&]wait=/.test(url)) return new Response('', { status: 400 });
      return { url, headers };
    });
    await converse({ waitSeconds: 2, pollIntervalMs: 20 }, polite.fetch);
    assert.ok(polite.sent.some((request) => /\/chat\/[^/?]+\.json\?from=\d+&v=1/.test(request.url)));
  });

  it('does not poll in a tight loop a server that answers long-polls at once', async () => {
    // A legacy server: `wait` is ignored (stripped here), every read answers immediately.
    const net = rewritingFetch(({ url, headers }) => {
      if (headers.get('accept') === 'text/event-stream') return new Response('', { status: 406 });
      return { url: url.replace(/wait=\d+&/, ''), headers };
    });
    /** Each read of the chat: when it went out, and when its answer came if that answer had no events. */
    const reads: { sentAt: number; emptyAt?: number }[] = [];
    const timed: typeof fetch = async (input, init) => {
      if (!/\/chat\/[^/?]+\.json\?from=/.test(describeRequest(input, init).url)) return net.fetch(input, init);
      const read: { sentAt: number; emptyAt?: number } = { sentAt: performance.now() };
      const response = await net.fetch(input, init);
      const text = await response.clone().text();
      if (!text.includes('"event"')) read.emptyAt = performance.now();
      reads.push(read);
      return response;
    };
    const { baseUrl, accountId, appKey } = fixture;
    const visitor = await VisitorClient.startChat({
      baseUrl,
      accountId,
      appKey,
      skill: 'Support',
      fetch: timed,
      events: { waitSeconds: 25, pollIntervalMs: 100 },
    });
    const feed = collect(visitor.events());
    // How far apart the reads go out, not how many fit in a time: a busy machine only widens the gaps.
    await eventually('four reads of the chat', () => reads.length >= 4);
    await feed.until((items) => items.length >= 2, 'the first events');
    const afterEmpty = reads.flatMap((read, index) => {
      const emptyAt = reads[index - 1]?.emptyAt;
      return emptyAt === undefined ? [] : [read.sentAt - emptyAt];
    });
    assert.ok(afterEmpty.length > 0, 'no read followed an empty answer');
    // A timer may fire a millisecond early: 95 for the 100 ms interval.
    for (const pause of afterEmpty) assert.ok(pause >= 95, `a read went out ${pause} ms after an empty answer`);
    assert.deepEqual(
      feed.items.map((event) => event.state ?? event.systemMessageId),
      ['waiting', 4],
    );
    await visitor.end();
    await feed.done;
    assert.equal(feed.state.error, undefined);
  });

  it('hears rings by polling incomingRequests when the server has no session stream', async () => {
    const net = rewritingFetch(({ url, headers }) => (/\/stream\?/.test(url) ? notFound() : { url, headers }));
    const { baseUrl, accountId, appKey, botKey } = fixture;
    const bot = await AgentClient.login({
      baseUrl,
      accountId,
      username: 'echo-bot',
      ...botKey,
      fetch: net.fetch,
      ringPollIntervalMs: 20,
    });
    const rings = bot.rings()[Symbol.asyncIterator]();
    const first = rings.next();
    const visitor = await VisitorClient.startChat({ baseUrl, accountId, appKey, skill: 'Support' });
    const ring = await first;
    assert.equal(ring.value?.ringingCount, 1);
    const chat = await ring.value!.accept();
    assert.equal(chat?.id, visitor.id);
    assert.ok(net.sent.some((request) => /\/incomingRequests\.json/.test(request.url)));
    // Logging out ends the ring iteration.
    const pending = rings.next();
    await chat!.end();
    await bot.logout();
    assert.equal((await pending).done, true);
    visitor.close();
  });

  it('ends an iteration quietly when its signal aborts or its loop breaks', async () => {
    const { baseUrl, accountId, appKey } = fixture;
    const visitor = await VisitorClient.startChat({ baseUrl, accountId, appKey, skill: 'Support' });
    const controller = new AbortController();
    const feed = collect(visitor.events({ signal: controller.signal }));
    await feed.until((items) => items.length === 2, 'the first events');
    controller.abort();
    await feed.done;
    assert.equal(feed.state.error, undefined);
    let count = 0;
    for await (const event of visitor.events()) {
      count += 1;
      if (event.systemMessageId === 4) break;
    }
    assert.equal(count, 2);
    await visitor.end();
    visitor.close();
  });
});

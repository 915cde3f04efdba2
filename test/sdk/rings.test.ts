import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, VisitorClient, type AgentNotification, type RingingChat } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { collect, describeRequest, startSdkServer } from '../support/sdk.js';

type RingNotification = Extract<AgentNotification, { type: 'ring' }>;

const ringsOf = (items: AgentNotification[]): RingNotification[] =>
  items.filter((item): item is RingNotification => item.type === 'ring');

/**
 * A fetch that answers the agent session stream itself, everything else from the server: with 404,
 * or with these SSE messages on a stream that then stays open until the SDK lets go of it.
 */
function streamingFetch(answer: 'not-found' | string[]): typeof fetch {
  return async (input, init) => {
    const { url } = describeRequest(input, init);
    if (!/\/stream\?/.test(url)) return fetch(input, init);
    if (answer === 'not-found') {
      return new Response(JSON.stringify({ error: { message: 'Not found', internalCode: 42 } }), {
        status: 404,
        headers: { 'content-type': 'application/json' },
      });
    }
    const text = answer.map((message) => `${message}\n\n`).join('');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        const signal = init?.signal;
        signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

for (const target of await databaseTargets()) {
  describe(`the SDK tells what rings on ${target.name}`, { skip: target.unavailable }, () => {
    let fixture: Awaited<ReturnType<typeof startSdkServer>>;

    before(async () => {
      fixture = await startSdkServer(target);
    });
    after(() => fixture.close());

    it('gives each ringing chat’s skill, visitor name and waiting time from the session stream, rings included', async () => {
      const { baseUrl, accountId, appKey, server } = fixture;
      const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
      await alice.setAvailability('Online');
      const stop = new AbortController();
      const feed = collect(alice.notifications({ signal: stop.signal }));
      await feed.until((items) => ringsOf(items).length === 1, 'the opening ring');
      const rings = alice.rings({ signal: stop.signal })[Symbol.asyncIterator]();
      const firstRing = rings.next();

      const startedAt = server.clock.now();
      const visitor = await VisitorClient.startChat({
        baseUrl,
        accountId,
        appKey,
        skill: 'Sales',
        visitorName: 'Phil',
      });
      // The clock stands still: it had waited 0 ms when the server sent the ring.
      const phil: RingingChat = { skill: 'Sales', visitorName: 'Phil', waitingSince: startedAt, waitedMs: 0 };
      await feed.until(
        (items) => ringsOf(items).some((ring) => ring.ringing[0]?.visitorName === 'Phil'),
        'the ring naming Phil',
      );
      assert.deepEqual(ringsOf(feed.items)[0], { type: 'ring', ringingCount: 0, ringing: [] });
      assert.deepEqual(ringsOf(feed.items).at(-1), { type: 'ring', ringingCount: 1, ringing: [phil] });

      // rings() hands the description on; the name may come in a ring of its own.
      let ring = (await firstRing).value;
      if (ring?.ringing[0]?.visitorName === null) ring = (await rings.next()).value;
      assert.equal(ring?.ringingCount, 1);
      assert.deepEqual(ring?.ringing, [phil]);
      const chat = await ring!.accept();
      assert.equal(chat?.id, visitor.id);
      await feed.until((items) => ringsOf(items).at(-1)?.ringingCount === 0, 'nothing ringing');
      assert.deepEqual(ringsOf(feed.items).at(-1)?.ringing, []);

      stop.abort();
      await feed.done;
      await rings.return();
      await chat!.end();
      visitor.close();
      await alice.logout();
    });

    it('reads the ring list defensively: absent, one object, odd values and entries without a time', async () => {
      const { baseUrl, accountId } = fixture;
      const ring = (data: unknown) => `event: ring\ndata: ${JSON.stringify(data)}`;
      const agent = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'alice',
        password: 'alice-pass',
        fetch: streamingFetch([
          // An older server: the count alone.
          ring({ ringingCount: '2' }),
          ring({
            ringingCount: '1',
            ringing: { skill: 'Sales', visitorName: 'Phil', waitingSince: '1700000000000' },
            time: 1700000005000,
          }),
          ring({
            ringingCount: 3,
            ringing: [
              { skill: null, visitorName: null, waitingSince: 1700000001000 },
              'not a chat',
              { skill: 'Support', visitorName: 'Eve' },
              { skill: 7, visitorName: ['x'], waitingSince: 1700000002000 },
              // By a clock behind the chat's own start: no negative wait.
              { skill: 'Sales', visitorName: null, waitingSince: 1700000009000 },
            ],
            time: 1700000003000,
          }),
          ring({ ringingCount: '1', ringing: 'nonsense' }),
        ]),
      });
      const stop = new AbortController();
      const feed = collect(agent.notifications({ signal: stop.signal }));
      await feed.until((items) => ringsOf(items).length === 4, 'four rings');
      stop.abort();
      await feed.done;
      assert.deepEqual(ringsOf(feed.items), [
        { type: 'ring', ringingCount: 2, ringing: [] },
        {
          type: 'ring',
          ringingCount: 1,
          ringing: [{ skill: 'Sales', visitorName: 'Phil', waitingSince: 1700000000000, waitedMs: 5_000 }],
        },
        {
          type: 'ring',
          ringingCount: 3,
          ringing: [
            { skill: null, visitorName: null, waitingSince: 1700000001000, waitedMs: 2_000 },
            { skill: '7', visitorName: null, waitingSince: 1700000002000, waitedMs: 1_000 },
            { skill: 'Sales', visitorName: null, waitingSince: 1700000009000, waitedMs: 0 },
          ],
        },
        { type: 'ring', ringingCount: 1, ringing: [] },
      ]);
      await agent.logout();
    });

    it('yields a ring again only when what rings changes, not when the same ring comes with a later time (a reconnect)', async () => {
      const { baseUrl, accountId } = fixture;
      const phil = { skill: 'Sales', visitorName: 'Phil', waitingSince: 1700000000000 };
      const ring = (ringing: unknown[], time: number) =>
        `event: ring\ndata: ${JSON.stringify({ ringingCount: String(ringing.length), ringing, time })}`;
      const agent = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'alice',
        password: 'alice-pass',
        fetch: streamingFetch([
          ring([phil], 1700000001000),
          // What a stream opened again says first: the same ring, sent later.
          ring([phil], 1700000006000),
          ring([{ ...phil, visitorName: 'Philip' }], 1700000007000),
        ]),
      });
      const stop = new AbortController();
      const rings = agent.rings({ signal: stop.signal })[Symbol.asyncIterator]();
      assert.deepEqual((await rings.next()).value?.ringing, [{ ...phil, waitedMs: 1_000 }]);
      assert.deepEqual((await rings.next()).value?.ringing, [{ ...phil, visitorName: 'Philip', waitedMs: 7_000 }]);
      stop.abort();
      await rings.return();
      await agent.logout();
    });

    it('gives an empty list when it polls incomingRequests (no session stream)', async () => {
      const { baseUrl, accountId, appKey } = fixture;
      const alice = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'alice',
        password: 'alice-pass',
        fetch: streamingFetch('not-found'),
        ringPollIntervalMs: 20,
      });
      await alice.setAvailability('Online');
      const rings = alice.rings()[Symbol.asyncIterator]();
      const first = rings.next();
      const visitor = await VisitorClient.startChat({
        baseUrl,
        accountId,
        appKey,
        skill: 'Sales',
        visitorName: 'Phil',
      });
      const ring = (await first).value;
      assert.equal(ring?.ringingCount, 1);
      assert.deepEqual(ring?.ringing, []);
      const chat = await ring!.accept();
      assert.equal(chat?.id, visitor.id);
      await rings.return();
      await chat!.end();
      visitor.close();
      await alice.logout();
    });
  });
}

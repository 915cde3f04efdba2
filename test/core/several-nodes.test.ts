import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { AgentSession, ChatEvent } from '../../src/core/chats/chat-model.js';
import { DEFAULT_INTERACTION_TIMEOUT_SECONDS, type ChatRequest } from '../../src/core/chats/chat-request.js';
import { NODE_LIVE_MS, TIMERS_LEASE_MS } from '../../src/core/nodes/node-registry.js';
import type { Store } from '../../src/core/ports.js';
import { openStore, type OpenedStore } from '../../src/store/open-store.js';
import { databaseTargets, TEST_POSTGRES_TIMEOUTS, type DatabaseTarget } from '../support/databases.js';
import { createTestCore, type TestCore } from '../support/test-core.js';
import { accountSeed, applySeed } from '../support/test-server.js';

// Several nodes share one PostgreSQL database (docs/adr/0010-several-nodes.md): two cores, each
// over a store of its own on one schema, stand for two servers. Time moves only with the clock.

const ALICE = 2001;
const ECHO_BOT = 2003;
const SECOND = 1000;
const origin = { ip: '203.0.113.9', userAgent: 'test' };

interface TwoNodes {
  a: TestCore;
  b: TestCore;
  storeA: OpenedStore['store'];
  clock: ManualClock;
  /** How many transactions node A's core has begun. */
  transactionsOnA(): number;
  close(): Promise<void>;
}

/** A fresh account on node A with Alice's connection-bound agent session (`presence=connection`). */
async function connectionBoundSession(nodes: TwoNodes) {
  const { accountId, seed } = accountSeed();
  await applySeed(nodes.a, seed);
  const user = await nodes.storeA.users.get(accountId, ALICE);
  assert.ok(user !== undefined);
  const session = await nodes.a.agents.sessions.start(
    accountId,
    { user, loginSessionId: null },
    { isConnectionBound: true },
  );
  return { accountId, session };
}

/** Two registered nodes (both with a Redis, as they must be) on a fresh database of `target`. */
async function twoNodes(target: DatabaseTarget): Promise<TwoNodes> {
  const database = await target.create();
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 9, 30, 0));
  const opened: OpenedStore[] = [];
  for (let i = 0; i < 2; i += 1) {
    const store = openStore(database.location, { poolSize: 4, postgresTimeouts: TEST_POSTGRES_TIMEOUTS });
    await store.migrate();
    opened.push(store);
  }
  const [first, second] = opened as [OpenedStore, OpenedStore];
  let transactionsOnA = 0;
  // Node A's store, counting the transactions its core begins.
  const countedA = new Proxy(first.store, {
    get(store, name) {
      if (name === 'transaction') {
        return (work: Parameters<Store['transaction']>[0]) => {
          transactionsOnA += 1;
          return store.transaction(work);
        };
      }
      const value: unknown = Reflect.get(store, name);
      return typeof value === 'function' ? value.bind(store) : value;
    },
  });
  const a = createTestCore(countedA, clock);
  const b = createTestCore(second.store, clock);
  assert.equal(await a.nodes.register({ host: 'node-a', address: 'node-a:8080', pid: 0, usesRedis: true }), undefined);
  assert.equal(await b.nodes.register({ host: 'node-b', address: 'node-b:8080', pid: 0, usesRedis: true }), undefined);
  return {
    a,
    b,
    storeA: first.store,
    clock,
    transactionsOnA: () => transactionsOnA,
    close: async () => {
      for (const store of opened) await store.store.close();
      await database.drop();
    },
  };
}

/** A session saved as the agent's (Online), as a login would leave it. */
async function onlineSession(
  nodes: TwoNodes,
  accountId: string,
  userId: number,
  overrides: Partial<AgentSession> = {},
): Promise<AgentSession> {
  const now = nodes.clock.now();
  const session: AgentSession = {
    accountId,
    id: String(100_000 + userId),
    userId,
    loginSessionId: null,
    availability: 'Online',
    createdAt: now,
    lastRequestAt: now,
    endedAt: null,
    idleDueAt: null,
    availabilitySince: now,
    ...overrides,
  };
  await nodes.storeA.agentSessions.save(session);
  return session;
}

async function startChat(nodes: TwoNodes, accountId: string, request: Partial<ChatRequest>): Promise<string> {
  const started = await nodes.a.chats.start.start(
    accountId,
    {
      preChatLines: [],
      interactionTimeout: DEFAULT_INTERACTION_TIMEOUT_SECONDS,
      echo: {},
      customVariables: [],
      ...request,
    },
    origin,
  );
  return started.id;
}

/** A server's second: its heartbeat (a timer of its own in src/server.ts), then its timers' turn. */
async function turn(core: TestCore): Promise<void> {
  await core.nodes.heartbeat();
  await core.tick();
}

const systemLines = (events: ChatEvent[], id: number) =>
  events.filter((event) => event.type === 'line' && event.systemMessageId === id).length;
const endedEvents = (events: ChatEvent[]) =>
  events.filter((event) => event.type === 'state' && event.state === 'ended').length;

/**
 * Both nodes run whole turns and, beside them, the timers' parts directly (as a node that lost
 * the lease while still in its turn would): whatever runs twice must change nothing twice.
 */
async function raceTimers(nodes: TwoNodes, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    await Promise.all(
      [nodes.a, nodes.b].flatMap((core) => [
        turn(core),
        core.chats.timers.runDue(),
        core.agents.router.expireRings(),
        core.agents.sessions.sweepIdle(),
      ]),
    );
  }
}

for (const target of (await databaseTargets()).filter((candidate) => candidate.name === 'postgres')) {
  describe(`timers across two nodes on ${target.name}`, { skip: target.unavailable, timeout: 300_000 }, () => {
    it('ends each due chat once and times each ring out once, however often both nodes run them', async () => {
      const nodes = await twoNodes(target);
      try {
        const { accountId, seed } = accountSeed();
        await applySeed(nodes.a, seed);
        await onlineSession(nodes, accountId, ECHO_BOT);
        // Every chat rings the bot (unlimited slots); half of them give up waiting after 30 s.
        const ringing: string[] = [];
        const waitingOut: string[] = [];
        for (let i = 0; i < 6; i += 1) {
          ringing.push(await startChat(nodes, accountId, { skill: 'Sales', interactionTimeout: 3_600 }));
          waitingOut.push(
            await startChat(nodes, accountId, { skill: 'Sales', interactionTimeout: 3_600, maxWaitTime: 30 }),
          );
        }
        for (const chatId of [...ringing, ...waitingOut]) {
          const chat = await nodes.storeA.chats.get(accountId, chatId);
          assert.equal(chat?.ringingUserId, ECHO_BOT, 'rings the bot');
        }

        nodes.clock.advance(21 * SECOND);
        await raceTimers(nodes, 8);
        for (const chatId of [...ringing, ...waitingOut]) {
          const events = await nodes.storeA.chats.events(accountId, chatId, 0);
          assert.equal(systemLines(events, 23), 1, `the ring of ${chatId} timed out once`);
          assert.equal(endedEvents(events), 0);
        }

        nodes.clock.advance(10 * SECOND);
        await raceTimers(nodes, 8);
        for (const chatId of waitingOut) {
          const events = await nodes.storeA.chats.events(accountId, chatId, 0);
          assert.equal(systemLines(events, 2), 1, `${chatId} waited out once`);
          assert.equal(endedEvents(events), 1, `${chatId} ended once`);
          assert.equal((await nodes.storeA.chats.get(accountId, chatId))?.state, 'ended');
        }
        for (const chatId of ringing) {
          assert.equal((await nodes.storeA.chats.get(accountId, chatId))?.state, 'waiting', 'no maxWaitTime');
        }
      } finally {
        await nodes.close();
      }
    });

    it('ends an idle agent session once: its chat ends once with line 6', async () => {
      const nodes = await twoNodes(target);
      try {
        const { accountId, seed } = accountSeed();
        await applySeed(nodes.a, seed);
        const session = await onlineSession(nodes, accountId, ALICE, { idleDueAt: nodes.clock.now() + 5 * SECOND });
        const chatId = await startChat(nodes, accountId, { skill: 'Sales', interactionTimeout: 3_600 });
        const alice = await nodes.storeA.users.get(accountId, ALICE);
        assert.ok(alice !== undefined);
        await nodes.a.agents.router.accept(accountId, session, alice);

        nodes.clock.advance(6 * SECOND);
        await raceTimers(nodes, 8);
        assert.notEqual((await nodes.storeA.agentSessions.get(accountId, session.id))?.endedAt, null);
        const events = await nodes.storeA.chats.events(accountId, chatId, 0);
        assert.equal(systemLines(events, 6), 1, 'no agent of the skill is left: line 6, once');
        assert.equal(endedEvents(events), 1);
      } finally {
        await nodes.close();
      }
    });

    it('keeps an agent session whose due time a request pushed back after the sweep read it', async () => {
      const nodes = await twoNodes(target);
      try {
        const { accountId, seed } = accountSeed();
        await applySeed(nodes.a, seed);
        const session = await onlineSession(nodes, accountId, ALICE, { idleDueAt: nodes.clock.now() + 5 * SECOND });
        nodes.clock.advance(6 * SECOND);
        // The sweep on one node has read the session as due; a request on the other then touches it.
        const due = await nodes.storeA.agentSessions.dueIdle(nodes.clock.now(), 10);
        assert.deepEqual(
          due.map((found) => found.id),
          [session.id],
        );
        const user = await nodes.storeA.users.get(accountId, ALICE);
        assert.ok(user !== undefined);
        await nodes.b.agents.sessions.use(accountId, session.id, { user, loginSessionId: null });
        // A node whose read came before the touch: the sweep acts on what it read.
        const readEarlier: Store = Object.assign(Object.create(nodes.storeA) as Store, {
          agentSessions: { ...nodes.storeA.agentSessions, dueIdle: () => Promise.resolve(due) },
        });
        await createTestCore(readEarlier, nodes.clock).agents.sessions.sweepIdle();
        assert.equal((await nodes.storeA.agentSessions.get(accountId, session.id))?.endedAt, null, 'still live');
      } finally {
        await nodes.close();
      }
    });

    it("keeps a chat alive by a visitor's polls on the node without the lease: late when far off, at once when near", async () => {
      const nodes = await twoNodes(target);
      try {
        const { accountId, seed } = accountSeed();
        await applySeed(nodes.a, seed);
        const chatId = await startChat(nodes, accountId, { skill: 'Sales', interactionTimeout: 60 });
        const startedAt = nodes.clock.now();
        await turn(nodes.a); // Node A holds the timers' lease from now on.
        const storedDue = async () => (await nodes.storeA.chats.get(accountId, chatId))?.idleDueAt;

        nodes.clock.advance(20 * SECOND);
        await nodes.b.chats.visitor.read(accountId, chatId, 0);
        assert.equal(await storedDue(), startedAt + 60 * SECOND, 'node B keeps it until its turn');
        await turn(nodes.b);
        assert.equal(await storedDue(), startedAt + 80 * SECOND, "node B's turn wrote it, lease or not");

        // A poll 5 s before the stored deadline is written before it is answered: node A's timers,
        // whose turn comes before node B's, do not end the chat.
        nodes.clock.advance(55 * SECOND);
        await nodes.b.chats.visitor.read(accountId, chatId, 0);
        nodes.clock.advance(5 * SECOND);
        await turn(nodes.a);
        assert.equal((await nodes.storeA.chats.get(accountId, chatId))?.state, 'waiting');
        assert.equal(await storedDue(), startedAt + 135 * SECOND);

        nodes.clock.advance(55 * SECOND);
        await raceTimers(nodes, 2);
        assert.equal((await nodes.storeA.chats.get(accountId, chatId))?.state, 'ended', '60 s after the last poll');
      } finally {
        await nodes.close();
      }
    });

    it('keeps an agent session alive by its requests on the node without the lease: late when far off, at once when near', async () => {
      const nodes = await twoNodes(target);
      try {
        const { accountId, seed } = accountSeed();
        await applySeed(nodes.a, seed);
        const startedAt = nodes.clock.now();
        const session = await onlineSession(nodes, accountId, ALICE, { idleDueAt: startedAt + 60 * SECOND });
        const user = await nodes.storeA.users.get(accountId, ALICE);
        assert.ok(user !== undefined);
        await turn(nodes.a); // Node A holds the timers' lease from now on.
        const stored = async () => {
          const found = await nodes.storeA.agentSessions.get(accountId, session.id);
          return [found?.lastRequestAt, found?.idleDueAt, found?.endedAt];
        };
        const idleMs = ((await nodes.storeA.accounts.get(accountId))?.settings.agentSessionIdleSeconds ?? 0) * SECOND;

        nodes.clock.advance(20 * SECOND);
        await nodes.b.agents.sessions.use(accountId, session.id, { user, loginSessionId: null });
        assert.deepEqual(await stored(), [startedAt, startedAt + 60 * SECOND, null], 'node B keeps it until its turn');
        await turn(nodes.b);
        const touchedAt = startedAt + 20 * SECOND;
        assert.deepEqual(await stored(), [touchedAt, touchedAt + idleMs, null]);

        // Within 10 s of the stored deadline: written before it is answered, so node A's timers,
        // whose turn comes before node B's, do not end the session.
        nodes.clock.set(touchedAt + idleMs - 5 * SECOND);
        await nodes.b.agents.sessions.use(accountId, session.id, { user, loginSessionId: null });
        const usedAt = nodes.clock.now();
        nodes.clock.advance(5 * SECOND);
        await turn(nodes.a);
        assert.deepEqual(await stored(), [usedAt, usedAt + idleMs, null]);
      } finally {
        await nodes.close();
      }
    });

    it('runs the turn on the lease holder alone; when the holder dies, the other takes over once the lease expires', async () => {
      const nodes = await twoNodes(target);
      try {
        const { accountId, seed } = accountSeed();
        await applySeed(nodes.a, seed);
        // Node A takes the lease with its first turn.
        await turn(nodes.a);
        const chatId = await startChat(nodes, accountId, { skill: 'Sales', interactionTimeout: 3_600, maxWaitTime: 5 });

        // Due, but A holds the lease and is live: B's turns leave the chat alone.
        nodes.clock.advance(6 * SECOND);
        await turn(nodes.b);
        await turn(nodes.b);
        assert.equal((await nodes.storeA.chats.get(accountId, chatId))?.state, 'waiting', 'B does not hold the lease');

        // A dies (it stops ticking and beating). Past its lease and its heartbeat's life, B takes over.
        nodes.clock.advance(Math.max(TIMERS_LEASE_MS, NODE_LIVE_MS) - 6 * SECOND + 1);
        await turn(nodes.b);
        const events = await nodes.storeA.chats.events(accountId, chatId, 0);
        assert.equal((await nodes.storeA.chats.get(accountId, chatId))?.state, 'ended');
        assert.equal(systemLines(events, 2), 1);
        assert.deepEqual(
          (await nodes.b.nodes.live()).map((node) => node.id),
          [nodes.b.nodes.id],
          "A's heartbeat is stale",
        );
      } finally {
        await nodes.close();
      }
    });

    it('lets the lease go when its holder drains: the other node runs the next turn', async () => {
      const nodes = await twoNodes(target);
      try {
        const { accountId, seed } = accountSeed();
        await applySeed(nodes.a, seed);
        await turn(nodes.a);
        const chatId = await startChat(nodes, accountId, { skill: 'Sales', interactionTimeout: 3_600, maxWaitTime: 5 });
        nodes.clock.advance(6 * SECOND);
        await nodes.a.nodes.drain();
        await turn(nodes.b);
        assert.equal((await nodes.storeA.chats.get(accountId, chatId))?.state, 'ended', 'B took the lease at once');
        const live = await nodes.b.nodes.live();
        assert.deepEqual(
          new Map(live.map((node) => [node.id, node.isDraining])),
          new Map([
            [nodes.a.nodes.id, true],
            [nodes.b.nodes.id, false],
          ]),
        );
      } finally {
        await nodes.close();
      }
    });
  });

  describe(
    `connection-bound sessions across two nodes on ${target.name}`,
    { skip: target.unavailable, timeout: 300_000 },
    () => {
      const GRACE = 10 * SECOND;

      it('stays attached while either node holds a connection; detached, then Away, when neither does', async () => {
        const nodes = await twoNodes(target);
        try {
          const { accountId, session } = await connectionBoundSession(nodes);
          const read = async () => {
            const found = await nodes.storeA.agentSessions.get(accountId, session.id);
            assert.ok(found !== undefined);
            return found;
          };
          const settled = async () => {
            await nodes.a.agents.presence.settled(session);
            await nodes.b.agents.presence.settled(session);
          };

          const closeOnA = nodes.a.agents.presence.connected(session);
          const closeOnB = nodes.b.agents.presence.connected(session);
          await settled();
          assert.equal((await read()).detachedAt, null);

          closeOnA();
          await settled();
          nodes.clock.advance(GRACE + SECOND);
          await turn(nodes.a);
          await turn(nodes.b);
          assert.equal((await read()).detachedAt, null, 'B still holds a connection');
          assert.equal((await read()).availability, 'Online');

          closeOnB();
          await settled();
          const leftAt = nodes.clock.now();
          assert.equal((await read()).detachedAt, leftAt);
          nodes.clock.advance(GRACE - 1);
          await turn(nodes.a);
          await turn(nodes.b);
          assert.equal((await read()).availability, 'Online', 'within the grace');
          nodes.clock.advance(1);
          await turn(nodes.a);
          await turn(nodes.b);
          assert.equal((await read()).availability, 'Away', 'past the grace');

          // Back on A: Online again.
          const again = nodes.a.agents.presence.connected(session);
          await settled();
          assert.equal((await read()).availability, 'Online');
          assert.equal((await read()).detachedAt, null);
          again();
          await settled();
        } finally {
          await nodes.close();
        }
      });

      it("writes nothing when a long-poll's close is followed at once by the next poll's open on the same node", async () => {
        const nodes = await twoNodes(target);
        try {
          const { accountId, session } = await connectionBoundSession(nodes);
          let close = nodes.a.agents.presence.connected(session);
          await nodes.a.agents.presence.settled(session);
          const before = nodes.transactionsOnA();
          for (let poll = 0; poll < 5; poll += 1) {
            close();
            close = nodes.a.agents.presence.connected(session);
            await nodes.a.agents.presence.settled(session);
          }
          assert.equal(nodes.transactionsOnA(), before, 'no transaction for a connection that came straight back');
          const stored = await nodes.storeA.agentSessions.get(accountId, session.id);
          assert.equal(stored?.detachedAt, null);
          // The last close with nothing after it still detaches the session.
          close();
          await nodes.a.agents.presence.settled(session);
          assert.equal((await nodes.storeA.agentSessions.get(accountId, session.id))?.detachedAt, nodes.clock.now());
        } finally {
          await nodes.close();
        }
      });

      it('gives a session held only by a node that died its grace from when the turn finds it dead, then Away', async () => {
        const nodes = await twoNodes(target);
        try {
          const { accountId, session } = await connectionBoundSession(nodes);
          const read = async () => {
            const found = await nodes.storeA.agentSessions.get(accountId, session.id);
            assert.ok(found !== undefined);
            return found;
          };
          nodes.b.agents.presence.connected(session);
          await nodes.b.agents.presence.settled(session);
          await turn(nodes.a);
          assert.equal((await read()).detachedAt, null);

          // B dies holding the connection: no heartbeat, no close. A keeps ticking.
          nodes.clock.advance(NODE_LIVE_MS - SECOND);
          await turn(nodes.a);
          assert.equal((await read()).detachedAt, null, "B's heartbeat is not stale yet");
          nodes.clock.advance(2 * SECOND);
          await turn(nodes.a);
          const foundDeadAt = nodes.clock.now();
          assert.equal((await read()).detachedAt, foundDeadAt, 'its grace runs from when B was found dead');

          nodes.clock.advance(GRACE - 1);
          await turn(nodes.a);
          assert.equal((await read()).availability, 'Online');
          nodes.clock.advance(1);
          await turn(nodes.a);
          assert.equal((await read()).availability, 'Away');
        } finally {
          await nodes.close();
        }
      });
    },
  );

  describe(`the node registry on ${target.name}`, { skip: target.unavailable, timeout: 300_000 }, () => {
    it('refuses a node beside a live one when either has no Redis; a stale one is no obstacle', async () => {
      const database = await target.create();
      const clock = new ManualClock(Date.UTC(2026, 10, 21, 9, 30, 0));
      const opened = openStore(database.location, { poolSize: 2, postgresTimeouts: TEST_POSTGRES_TIMEOUTS });
      try {
        await opened.migrate();
        const first = createTestCore(opened.store, clock);
        assert.equal(
          await first.nodes.register({ host: 'one', address: 'one:8080', pid: 0, usesRedis: false }),
          undefined,
        );

        clock.advance(2 * SECOND);
        const withRedis = createTestCore(opened.store, clock);
        const conflict = await withRedis.nodes.register({ host: 'two', address: 'two:8080', pid: 0, usesRedis: true });
        assert.equal(conflict?.node.id, first.nodes.id, 'the first has no Redis');
        assert.equal(conflict.seenMsAgo, 2 * SECOND);
        assert.deepEqual(
          (await first.nodes.live()).map((node) => node.id),
          [first.nodes.id],
          'the refused node wrote nothing',
        );

        // Its previous incarnation (same host and address) is replaced, not refused.
        const restarted = createTestCore(opened.store, clock);
        assert.equal(
          await restarted.nodes.register({ host: 'one', address: 'one:8080', pid: 0, usesRedis: false }),
          undefined,
        );
        assert.deepEqual(
          (await restarted.nodes.live()).map((node) => node.id),
          [restarted.nodes.id],
        );

        // A draining node is on its way out: its replacement may start beside it.
        await restarted.nodes.drain();
        const replacement = createTestCore(opened.store, clock);
        assert.equal(
          await replacement.nodes.register({ host: 'six', address: 'six:8080', pid: 0, usesRedis: false }),
          undefined,
        );
        await replacement.nodes.deregister();

        // Once its heartbeat is stale, another node without Redis starts.
        clock.advance(NODE_LIVE_MS + 1);
        const later = createTestCore(opened.store, clock);
        assert.equal(
          await later.nodes.register({ host: 'three', address: 'three:8080', pid: 0, usesRedis: false }),
          undefined,
        );

        // Two nodes with a Redis each run side by side.
        const both = createTestCore(opened.store, clock);
        await later.nodes.deregister();
        const withRedisToo = createTestCore(opened.store, clock);
        assert.equal(
          await both.nodes.register({ host: 'four', address: 'four:8080', pid: 0, usesRedis: true }),
          undefined,
        );
        assert.equal(
          await withRedisToo.nodes.register({ host: 'five', address: 'five:8080', pid: 0, usesRedis: true }),
          undefined,
        );
        assert.equal((await both.nodes.live()).length, 2);
      } finally {
        await opened.store.close();
        await database.drop();
      }
    });
  });
}

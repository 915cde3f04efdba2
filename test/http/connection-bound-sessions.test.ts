import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { agentClient, ok, summary, visitorClient, type AgentSessionClient } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, withRestarts, type TestServer } from '../support/test-server.js';

// Connection-bound agent sessions (`presence=connection`, docs/LEGACY-QUIRKS.md): Away after the
// grace without a connection, back when one returns, ended after the end limit; API sessions keep
// the legacy idle timeout. Time moves only with the manual clock and core.tick(); what the server
// records when a connection opens or closes is awaited with `eventually`, never slept for.

const SECOND = 1_000;
const GRACE = 10 * SECOND;
const END = 120 * SECOND;
const BOB = 2005;
/** A chat that only agent-side timers can end. */
const CHAT = { skill: 'Sales', interactionTimeout: 86_400 };

type Presence = 'query' | 'body' | 'none';

/** A fresh account: alice and bob (Sales), carol (Support). */
async function freshAccount(server: TestServer) {
  const { accountId, seed } = accountSeed();
  const account = seed.accounts[0]!;
  const extra = [
    { id: BOB, loginName: 'bob', password: 'bob-pass', nickname: 'Bob', skills: ['Sales'], maxChats: 3 },
    { id: 2006, loginName: 'carol', password: 'carol-pass', nickname: 'Carol', skills: ['Support'], maxChats: 3 },
  ];
  await applySeed(server.core, { accounts: [{ ...account, users: [...account.users, ...extra] }] });
  const agents = agentClient(server.baseUrl, accountId);
  const appKey = account.appKeys[0]!;
  return {
    accountId,
    agents,
    visitor: visitorClient(server.baseUrl, accountId, appKey),
    /** Whether a visitor of Sales is offered chat (server-chat §3.5). */
    salesAvailable: async () =>
      ok<{ availability: boolean }>(
        await send(
          server.baseUrl,
          'GET',
          `/api/account/${accountId}/chat/availability.json?v=1&NC=true&appKey=${appKey}&skill=Sales`,
        ),
      ).availability,
  };
}

/** Logs in and starts an agent session, connection-bound as `presence` says. */
async function signIn(server: TestServer, accountId: string, name: string, presence: Presence) {
  const agents = agentClient(server.baseUrl, accountId);
  const login = await agents.login(name, `${name}-pass`);
  const query = presence === 'query' ? '&presence=connection' : '';
  const response = await send(
    server.baseUrl,
    'POST',
    `/api/account/${accountId}/agentSession.json?v=1&NC=true${query}`,
    {
      headers: { accept: 'application/json', authorization: `Bearer ${login.bearer}` },
      body: { loginData: {}, ...(presence === 'body' ? { presence: 'connection' } : {}) },
    },
  );
  assert.equal(response.status, 201, response.text);
  const id = /\/agentSession\/(\d+)"/.exec(response.text)?.[1];
  assert.ok(id !== undefined, response.text);
  return agents.session(id, login.bearer);
}

for (const target of await databaseTargets()) {
  describe(`connection-bound agent sessions on ${target.name}`, { skip: target.unavailable, timeout: 240_000 }, () => {
    let server: TestServer;
    const open = new Set<ClientRequest>();
    const advance = async (ms: number) => {
      server.clock.advance(ms);
      await server.core.tick();
    };

    before(async () => {
      server = await startTestServer(target);
      // The server's first turn of the timers (the start rule) is behind every test.
      await server.core.tick();
    });
    afterEach(() => {
      for (const req of open) req.destroy();
      open.clear();
    });
    after(async () => {
      await server?.close();
    });

    /** The session as stored. */
    const stored = async (at: TestServer, accountId: string, session: AgentSessionClient) => {
      const found = await at.store.agentSessions.get(accountId, session.id);
      assert.ok(found !== undefined, `session ${session.id} is not stored`);
      return found;
    };

    /** Waits until the server holds `count` connections of the session and has recorded them. */
    async function connections(at: TestServer, accountId: string, session: AgentSessionClient, count: number) {
      const ref = { accountId, id: session.id };
      await eventually(
        `${count} connection(s) of ${session.id}`,
        () => at.core.agents.presence.connections(ref) === count,
      );
      await at.core.agents.presence.settled(ref);
    }

    /** Opens the session's stream, closed after the test if it is still open. */
    async function openStream(at: TestServer, session: AgentSessionClient): Promise<ClientRequest> {
      const stream = await openSse(at, session);
      open.add(stream);
      return stream;
    }

    /** Opens the session's stream and waits until the server counts it. */
    async function connect(accountId: string, session: AgentSessionClient, at = server) {
      const stream = await openStream(at, session);
      await connections(at, accountId, session, 1);
      return stream;
    }

    /** Closes a stream and waits until the server has recorded the session detached. */
    async function disconnect(accountId: string, session: AgentSessionClient, stream: ClientRequest) {
      stream.destroy();
      await connections(server, accountId, session, 0);
      assert.notEqual((await stored(server, accountId, session)).detachedAt, null);
    }

    it('is started by presence=connection in the query or the body, and refuses another value', async () => {
      const { accountId } = await freshAccount(server);
      assert.equal(
        (await stored(server, accountId, await signIn(server, accountId, 'alice', 'query'))).isConnectionBound,
        true,
      );
      assert.equal(
        (await stored(server, accountId, await signIn(server, accountId, 'bob', 'body'))).isConnectionBound,
        true,
      );
      assert.equal(
        (await stored(server, accountId, await signIn(server, accountId, 'carol', 'none'))).isConnectionBound,
        false,
      );
      const login = await agentClient(server.baseUrl, accountId).login('alice', 'alice-pass');
      const refused = await send(
        server.baseUrl,
        'POST',
        `/api/account/${accountId}/agentSession.json?v=1&presence=always`,
        {
          headers: { accept: 'application/json', authorization: `Bearer ${login.bearer}` },
          body: { loginData: {} },
        },
      );
      assert.equal(refused.status, 400, refused.text);
      const { error } = refused.json() as { error: { message: string; internalCode: number } };
      assert.deepEqual([error.message, error.internalCode], ['presence must be "connection"', 40]);
    });

    it('goes Away after the grace once its only stream closes (rings move on), and Online again when one reopens', async () => {
      const { accountId, visitor, salesAvailable } = await freshAccount(server);
      const alice = await signIn(server, accountId, 'alice', 'query');
      const stream = await connect(accountId, alice);
      assert.equal((await stored(server, accountId, alice)).detachedAt, null);
      const bob = await signIn(server, accountId, 'bob', 'none');
      await bob.setAvailability('Away');
      const chatId = await visitor.start(CHAT);
      assert.equal(await alice.ringingCount(), '1');
      await bob.setAvailability('Online');
      assert.equal(await bob.ringingCount(), '0', 'a ring stays where it is while it lasts');

      await disconnect(accountId, alice, stream);
      await advance(GRACE - 1);
      assert.equal((await stored(server, accountId, alice)).availability, 'Online');
      assert.equal(await alice.ringingCount(), '1');

      await advance(1);
      const away = await stored(server, accountId, alice);
      assert.equal(away.availability, 'Away');
      assert.deepEqual(away.autoAway, { availability: 'Online', chatReasonId: null });
      assert.equal(await alice.ringingCount(), '0');
      assert.equal(await bob.ringingCount(), '1', 'the ring went to bob at once');
      assert.equal(await visitor.state(chatId), 'waiting');
      assert.equal(await salesAvailable(), true, 'bob is Online');
      await bob.setAvailability('Away');
      assert.equal(await salesAvailable(), false, 'nobody of Sales is Online');

      await connect(accountId, alice);
      const back = await stored(server, accountId, alice);
      assert.equal(back.availability, 'Online');
      assert.equal(back.detachedAt, null);
      assert.equal(back.autoAway, null);
      assert.equal(await salesAvailable(), true);
      await advance(END);
      assert.equal((await stored(server, accountId, alice)).endedAt, null, 'connected: it lives on');
    });

    it('keeps an availability the agent chose (Away stays Away, Occupied comes back)', async () => {
      const { accountId } = await freshAccount(server);
      const alice = await signIn(server, accountId, 'alice', 'query');
      let stream = await connect(accountId, alice);
      await alice.setAvailability('Occupied');
      await disconnect(accountId, alice, stream);
      await advance(GRACE);
      assert.equal((await stored(server, accountId, alice)).availability, 'Away');
      stream = await connect(accountId, alice);
      assert.equal((await stored(server, accountId, alice)).availability, 'Occupied');

      await alice.setAvailability('Away');
      await disconnect(accountId, alice, stream);
      await advance(GRACE);
      assert.equal((await stored(server, accountId, alice)).autoAway, null, 'already Away: nothing to give back');
      await connect(accountId, alice);
      assert.equal((await stored(server, accountId, alice)).availability, 'Away');
    });

    it('ends after the end limit: its chat is requeued with line 23 when another agent of the skill is logged in', async () => {
      const { accountId, visitor } = await freshAccount(server);
      const alice = await signIn(server, accountId, 'alice', 'query');
      const stream = await connect(accountId, alice);
      const chatId = await visitor.start(CHAT);
      assert.equal(await alice.accept(), chatId);
      const bob = await signIn(server, accountId, 'bob', 'none');
      await bob.setAvailability('Away');

      await disconnect(accountId, alice, stream);
      await advance(GRACE);
      assert.equal((await stored(server, accountId, alice)).availability, 'Away');
      await advance(END - GRACE - 1);
      assert.equal((await stored(server, accountId, alice)).endedAt, null);
      await advance(1);
      assert.notEqual((await stored(server, accountId, alice)).endedAt, null);
      assert.equal(await visitor.state(chatId), 'waiting');
      assert.deepEqual(summary(await visitor.events(chatId)).slice(-2), ['system:23', 'state:waiting']);
    });

    it('ends after the end limit: its chat ends with line 6 when no agent of the skill is logged in', async () => {
      const { accountId, visitor } = await freshAccount(server);
      const alice = await signIn(server, accountId, 'alice', 'body');
      const stream = await connect(accountId, alice);
      const chatId = await visitor.start(CHAT);
      assert.equal(await alice.accept(), chatId);

      await disconnect(accountId, alice, stream);
      await advance(END);
      assert.notEqual((await stored(server, accountId, alice)).endedAt, null);
      assert.equal(await visitor.state(chatId), 'ended');
      assert.deepEqual(summary(await visitor.events(chatId)).slice(-2), ['system:6', 'state:ended']);
    });

    it('a new session of an agent put Away for want of a connection starts as the agent was', async () => {
      const { accountId } = await freshAccount(server);
      const first = await signIn(server, accountId, 'alice', 'query');
      await disconnect(accountId, first, await connect(accountId, first));
      await advance(GRACE);
      assert.equal((await stored(server, accountId, first)).availability, 'Away');
      const second = await signIn(server, accountId, 'alice', 'query');
      assert.equal((await stored(server, accountId, second)).availability, 'Online');
    });

    it('is detached from its start until a connection opens', async () => {
      const { accountId } = await freshAccount(server);
      const alice = await signIn(server, accountId, 'alice', 'query');
      assert.notEqual((await stored(server, accountId, alice)).detachedAt, null);
      await advance(GRACE);
      assert.equal((await stored(server, accountId, alice)).availability, 'Away');
    });

    it('stays connected through a loop of long-polls, the grace covering the moment between two', async () => {
      const { accountId, visitor } = await freshAccount(server);
      const alice = await signIn(server, accountId, 'alice', 'query');
      const stream = await connect(accountId, alice);
      const chatId = await visitor.start(CHAT);
      assert.equal(await alice.accept(), chatId);
      let from = (await alice.events(chatId)).length;
      stream.destroy();
      for (let round = 0; round < 4; round += 1) {
        const poll = alice.request('GET', `/chat/${chatId}/events?from=${from}&wait=60`);
        await connections(server, accountId, alice, 1);
        assert.equal((await stored(server, accountId, alice)).detachedAt, null);
        await advance(6 * SECOND);
        await visitor.say(chatId, `line ${round}`);
        const answered = await poll;
        assert.equal(answered.status, 200, answered.text);
        from += 1;
      }
      const after = await stored(server, accountId, alice);
      assert.equal(after.availability, 'Online', '24 s of long-polls, never 10 s without one');
      assert.equal(after.endedAt, null);
    });

    it('an API session (no presence) keeps the legacy behaviour: streams do not bind it, 400 s idle ends it', async () => {
      const { accountId } = await freshAccount(server);
      const alice = await signIn(server, accountId, 'alice', 'none');
      const stream = await openStream(server, alice);
      assert.equal(server.core.agents.presence.connections({ accountId, id: alice.id }), 0);
      stream.destroy();
      await advance(GRACE);
      const idle = await stored(server, accountId, alice);
      assert.equal(idle.availability, 'Online');
      assert.equal(idle.detachedAt, null);
      assert.equal(idle.presenceDueAt, null);
      await advance(END);
      assert.equal((await stored(server, accountId, alice)).endedAt, null);
      assert.equal(await alice.availability(), 'Online');
      await advance(400 * SECOND - 1);
      assert.equal((await stored(server, accountId, alice)).endedAt, null);
      await advance(1);
      assert.notEqual((await stored(server, accountId, alice)).endedAt, null);
    });
  });

  describe(
    `connection-bound agent sessions across a restart on ${target.name}`,
    { skip: target.unavailable, timeout: 240_000 },
    () => {
      it('a drain marks nothing; the next server gives each session its grace from its start', async () => {
        await withRestarts(target, async (start) => {
          const first = await start();
          await first.core.tick();
          const { accountId } = await freshAccount(first);
          const alice = await signIn(first, accountId, 'alice', 'query');
          const bob = await signIn(first, accountId, 'bob', 'query');
          const streams: ClientRequest[] = [];
          for (const session of [alice, bob]) {
            const stream = await openSse(first, session);
            streams.push(stream);
            await eventually(
              'the stream counted',
              () => first.core.agents.presence.connections({ accountId, id: session.id }) === 1,
            );
            await first.core.agents.presence.settled({ accountId, id: session.id });
          }
          await first.close();
          for (const stream of streams) stream.destroy();

          const restartedAt = first.clock.now() + 60 * SECOND;
          const second = await start({ startTime: restartedAt });
          const read = async (session: AgentSessionClient) => {
            const found = await second.store.agentSessions.get(accountId, session.id);
            assert.ok(found !== undefined);
            return found;
          };
          assert.equal((await read(alice)).detachedAt, null, 'the drain marked nothing');
          await second.core.tick();
          assert.equal((await read(alice)).detachedAt, restartedAt);
          assert.equal((await read(bob)).detachedAt, restartedAt);

          second.clock.advance(GRACE - 1);
          await second.core.tick();
          const aliceStream = await openSse(second, alice);
          await eventually(
            'alice reconnected',
            () => second.core.agents.presence.connections({ accountId, id: alice.id }) === 1,
          );
          await second.core.agents.presence.settled({ accountId, id: alice.id });
          second.clock.advance(1);
          await second.core.tick();
          assert.equal((await read(alice)).availability, 'Online', 'back within the grace');
          assert.equal((await read(alice)).detachedAt, null);
          assert.equal((await read(bob)).availability, 'Away', 'never came back');
          second.clock.advance(END);
          await second.core.tick();
          assert.notEqual((await read(bob)).endedAt, null);
          assert.equal((await read(alice)).endedAt, null);
          aliceStream.destroy();
        });
      });
    },
  );
}

/** Opens an agent session's stream on `at`; resolves once it answered 200. */
function openSse(at: TestServer, session: AgentSessionClient): Promise<ClientRequest> {
  const url = new URL(at.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${session.path}/stream`,
        headers: { accept: 'text/event-stream', authorization: `Bearer ${session.bearer}` },
        agent: false,
      },
      (res) => {
        res.resume();
        if (res.statusCode === 200) resolve(req);
        else reject(new Error(`stream answered ${String(res.statusCode)}`));
      },
    );
    req.on('error', () => undefined);
    req.end();
  });
}

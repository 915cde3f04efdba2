import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertJsonError } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

// Chat timers over the Server Chat API (server-chat §4.1, §4.2, §4.4, §4.5): time moves only with
// the manual clock, and timers act only when the test calls runDue(), as the server does every second.

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

interface WireEvent {
  '@id': string;
  '@type': string;
  time: string;
  state?: string;
  text?: string;
  by?: string;
  source?: string;
  systemMessageId?: number | string;
}

interface ChatBody {
  chat: { events: { event?: WireEvent | WireEvent[] }; info: { state: string } };
}

/** One event is a bare object, several an array, none absent (server-chat §1.5). */
const listOf = (event: WireEvent | WireEvent[] | undefined): WireEvent[] =>
  event === undefined ? [] : Array.isArray(event) ? event : [event];

/** `state:waiting`, `system:4`, `agent`, `visitor`: the shape of an event list at a glance. */
const summary = (events: WireEvent[]): string[] =>
  events.map((event) =>
    event['@type'] === 'state'
      ? `state:${event.state ?? ''}`
      : event.source === 'system'
        ? `system:${String(event.systemMessageId)}`
        : (event.source ?? ''),
  );

/** The visitor's side of one account on one server (its appKey in the query, as Postman sends it). */
function visitorClient(server: TestServer, accountId: string, appKey: string) {
  const url = (path: string) => `/api/account/${accountId}${path}${path.includes('?') ? '&' : '?'}appKey=${appKey}`;
  return {
    get: (path: string) => send(server.baseUrl, 'GET', url(path)),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      send(server.baseUrl, 'POST', url(path), { body, headers }),

    /** Start Chat: 201 and the chat id from the Location header (server-chat §3.8). */
    async startChat(request: Record<string, unknown>): Promise<string> {
      const response = await send(server.baseUrl, 'POST', url('/chat/request.json'), { body: { request } });
      assert.equal(response.status, 201, response.text);
      const location = response.header('location');
      assert.ok(location !== undefined, 'Start Chat answered without a Location');
      return location.slice(location.lastIndexOf('/') + 1);
    },

    /** A poll of the chat resource (a visitor request: it keeps the chat alive). */
    async read(chatId: string): Promise<{ state: string; events: WireEvent[] }> {
      const response = await send(server.baseUrl, 'GET', url(`/chat/${chatId}.json`));
      assert.equal(response.status, 200, response.text);
      const body = response.json() as ChatBody;
      return { state: body.chat.info.state, events: listOf(body.chat.events.event) };
    },
  };
}

/** Seeds a fresh account on `server`, so each test has its own agents and chats. */
async function seededAccount(server: TestServer) {
  const { accountId, seed } = accountSeed();
  await applySeed(server.core, seed);
  const appKey = seed.accounts[0]?.appKeys[0];
  assert.ok(appKey !== undefined);
  return { accountId, appKey, visitor: visitorClient(server, accountId, appKey) };
}

/** The chat as stored, read without touching it (a visitor GET would push its deadline). */
async function stored(server: TestServer, accountId: string, chatId: string) {
  const chat = await server.store.chats.get(accountId, chatId);
  assert.ok(chat !== undefined, `chat ${chatId} is not stored`);
  return chat;
}

async function systemText(server: TestServer, accountId: string, systemMessageId: number): Promise<string> {
  const account = await server.store.accounts.get(accountId);
  assert.ok(account !== undefined);
  const text = account.settings.systemMessages[String(systemMessageId)];
  assert.ok(text !== undefined, `no text for system message ${systemMessageId}`);
  return text;
}

async function agent(server: TestServer, accountId: string, userId: number) {
  const user = await server.store.users.get(accountId, userId);
  assert.ok(user !== undefined, `no user ${userId}`);
  return user;
}

const ALICE = 2001;

for (const target of await databaseTargets()) {
  describe(`visitor chat timers on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const runDue = () => server.core.chats.timers.runDue();

    before(async () => {
      server = await startTestServer(target);
    });
    after(async () => {
      await server.close();
    });

    describe('interaction timeout (chatTimeout)', () => {
      it('ends a chat without visitor requests after interactionTimeout seconds: line 6, then ended', async () => {
        const { accountId, visitor } = await seededAccount(server);
        const chatId = await visitor.startChat({ skill: 'Sales', interactionTimeout: 40 });

        server.clock.advance(40 * SECOND - 1);
        await runDue();
        assert.equal((await stored(server, accountId, chatId)).state, 'waiting');

        server.clock.advance(1);
        await runDue();
        const { state, events } = await visitor.read(chatId);
        assert.equal(state, 'ended');
        assert.deepEqual(summary(events), ['state:waiting', 'system:4', 'system:6', 'state:ended']);
        const disconnected = events[2];
        assert.equal(await systemText(server, accountId, 6), 'The chat was disconnected.');
        assert.equal(disconnected?.text, 'The chat was disconnected.');
        assert.equal(disconnected?.by, 'info');
        assert.deepEqual(
          events.map((event) => event['@id']),
          ['0', '1', '2', '3'],
        );
      });

      it('reports the timeout as info.chatTimeout', async () => {
        const { visitor } = await seededAccount(server);
        const chatId = await visitor.startChat({ skill: 'Sales', interactionTimeout: 40 });
        const info = await visitor.get(`/chat/${chatId}/info.json`);
        assert.equal(info.status, 200);
        assert.equal((info.json() as { info: { chatTimeout: number } }).info.chatTimeout, 40);
      });

      it('pushes the deadline on every visitor request: polls and info reads keep the chat alive', async () => {
        const { accountId, visitor } = await seededAccount(server);
        const chatId = await visitor.startChat({ skill: 'Sales', interactionTimeout: 40 });

        server.clock.advance(30 * SECOND);
        await visitor.read(chatId);
        server.clock.advance(30 * SECOND);
        await runDue();
        assert.equal((await stored(server, accountId, chatId)).state, 'waiting', '60 s after start, 30 s after a poll');

        const info = await visitor.get(`/chat/${chatId}/info.json`);
        assert.equal(info.status, 200);
        const polledAt = server.clock.now();
        assert.equal((await stored(server, accountId, chatId)).idleDueAt, polledAt + 40 * SECOND);
        server.clock.advance(30 * SECOND);
        const events = await visitor.get(`/chat/${chatId}/events.json`);
        assert.equal(events.status, 200);
        server.clock.advance(30 * SECOND);
        await runDue();
        assert.equal((await stored(server, accountId, chatId)).state, 'waiting', '30 s after an events read');

        server.clock.advance(10 * SECOND);
        await runDue();
        const { state, events: list } = await visitor.read(chatId);
        assert.equal(state, 'ended');
        assert.deepEqual(summary(list), ['state:waiting', 'system:4', 'system:6', 'state:ended']);
      });

      it('writes a poll far from the deadline with the next turn, one within 10 s of it at once', async () => {
        const { accountId, visitor } = await seededAccount(server);
        const chatId = await visitor.startChat({ skill: 'Sales', interactionTimeout: 60 });
        const startedAt = server.clock.now();

        server.clock.advance(20 * SECOND);
        await visitor.read(chatId);
        // 40 s from the stored deadline: recorded in memory, shown to the reader at once.
        assert.equal((await stored(server, accountId, chatId)).idleDueAt, startedAt + 60 * SECOND);
        const info = await visitor.get(`/chat/${chatId}/info.json`);
        assert.equal(
          Date.parse((info.json() as { info: { lastUpdate: string } }).info.lastUpdate),
          startedAt + 20 * SECOND,
        );
        // The turn writes it before it judges what is due.
        server.clock.advance(40 * SECOND);
        await runDue();
        assert.equal((await stored(server, accountId, chatId)).idleDueAt, startedAt + 80 * SECOND);
        assert.equal((await stored(server, accountId, chatId)).state, 'waiting', 'kept alive by the poll at 20 s');

        // 5 s before the stored deadline: written before the poll is answered.
        server.clock.advance(15 * SECOND);
        await visitor.read(chatId);
        assert.equal((await stored(server, accountId, chatId)).idleDueAt, startedAt + 135 * SECOND);

        server.clock.advance(60 * SECOND);
        await runDue();
        assert.equal((await stored(server, accountId, chatId)).state, 'ended', '60 s after the last poll');
      });

      it('is not kept alive by the agent: a line at 30 s does not move the 40 s deadline', async () => {
        const { accountId, visitor } = await seededAccount(server);
        await putAgentOnline(server, accountId, ALICE);
        const chatId = await visitor.startChat({ skill: 'Sales', interactionTimeout: 40 });
        const startedAt = server.clock.now();
        const alice = await acceptAs(server, accountId, chatId, ALICE);

        server.clock.advance(30 * SECOND);
        await server.core.chats.agentActions.sendLine(accountId, chatId, alice, 'Are you still there?');
        const afterLine = await stored(server, accountId, chatId);
        // Agent requests update lastUpdate but not the visitor's deadline (server-chat §4.5).
        assert.equal(afterLine.lastUpdate, startedAt + 30 * SECOND);
        assert.equal(afterLine.idleDueAt, startedAt + 40 * SECOND);

        server.clock.advance(10 * SECOND - 1);
        await runDue();
        assert.equal((await stored(server, accountId, chatId)).state, 'chatting');
        server.clock.advance(1);
        await runDue();

        const { state, events } = await visitor.read(chatId);
        assert.equal(state, 'ended');
        assert.deepEqual(summary(events), [
          'state:waiting',
          'system:4',
          'state:chatting',
          'system:3',
          'agent',
          'system:6',
          'state:ended',
        ]);
        assert.equal(events[4]?.text, 'Are you still there?');
      });
    });

    describe("the request's maxWaitTime", () => {
      it('ends a chat still waiting when maxWaitTime elapses: line 2, then ended', async () => {
        const { accountId, visitor } = await seededAccount(server);
        // A long interaction timeout, so only the queue limit can end it.
        const chatId = await visitor.startChat({ skill: 'Sales', maxWaitTime: 60, interactionTimeout: 3600 });

        server.clock.advance(60 * SECOND - 1);
        await runDue();
        assert.equal((await stored(server, accountId, chatId)).state, 'waiting');
        server.clock.advance(1);
        await runDue();

        const { state, events } = await visitor.read(chatId);
        assert.equal(state, 'ended');
        assert.deepEqual(summary(events), ['state:waiting', 'system:4', 'system:2', 'state:ended']);
        assert.equal(events[2]?.text, await systemText(server, accountId, 2));
        assert.equal(events[2]?.text, 'All our agents are busy at the moment. Please try again later.');
      });

      it('does not end a chat an agent accepted before maxWaitTime', async () => {
        const { accountId, visitor } = await seededAccount(server);
        await putAgentOnline(server, accountId, ALICE);
        const chatId = await visitor.startChat({ skill: 'Sales', maxWaitTime: 60, interactionTimeout: 3600 });

        server.clock.advance(30 * SECOND);
        await acceptAs(server, accountId, chatId, ALICE);
        assert.equal((await stored(server, accountId, chatId)).waitDueAt, null);
        server.clock.advance(30 * SECOND);
        await runDue();
        server.clock.advance(5 * MINUTE);
        await runDue();

        const { state, events } = await visitor.read(chatId);
        assert.equal(state, 'chatting');
        assert.deepEqual(summary(events), ['state:waiting', 'system:4', 'state:chatting', 'system:3']);
      });

      it('with maxWaitTime 0 and nobody online ends at once, still answering 201', async () => {
        const { accountId, visitor } = await seededAccount(server);
        const chatId = await visitor.startChat({ skill: 'Sales', maxWaitTime: 0 });

        const { state, events } = await visitor.read(chatId);
        assert.equal(state, 'ended');
        assert.deepEqual(summary(events), ['state:waiting', 'system:4', 'system:2', 'state:ended']);
        assert.equal(events[2]?.text, await systemText(server, accountId, 2));
        const line = await visitor.post(`/chat/${chatId}/events.json`, { event: { '@type': 'line', text: 'hello?' } });
        assertJsonError(line, 400, 5);
      });

      it('with maxWaitTime 0 and a free agent queues the chat as usual', async () => {
        const { accountId, visitor } = await seededAccount(server);
        await putAgentOnline(server, accountId, ALICE);
        const chatId = await visitor.startChat({ skill: 'Sales', maxWaitTime: 0 });

        const { state, events } = await visitor.read(chatId);
        assert.equal(state, 'waiting');
        assert.deepEqual(summary(events), ['state:waiting', 'system:4']);
      });
    });

    describe('retention of ended chats', () => {
      it('keeps an ended chat readable while polled, and answers 404 30 minutes after the last request', async () => {
        const { visitor } = await seededAccount(server);
        const chatId = await visitor.startChat({ skill: 'Sales' });
        const end = await visitor.post(`/chat/${chatId}/events.json`, { event: { '@type': 'state', state: 'ended' } });
        assert.equal(end.status, 201, end.text);

        // Each request restarts the 30 minutes: readable long after the end while it is polled.
        server.clock.advance(29 * MINUTE);
        assert.equal((await visitor.read(chatId)).state, 'ended');
        server.clock.advance(29 * MINUTE);
        assert.equal((await visitor.get(`/chat/${chatId}/events.json`)).status, 200);
        server.clock.advance(30 * MINUTE - 1);
        const info = await visitor.get(`/chat/${chatId}/info.json`);
        assert.equal(info.status, 200);
        assert.equal((info.json() as { info: { state: string } }).info.state, 'ended');

        server.clock.advance(30 * MINUTE);
        assertJsonError(await visitor.get(`/chat/${chatId}.json`), 404, 42);
        assertJsonError(await visitor.get(`/chat/${chatId}/events.json`), 404, 42);
        assertJsonError(await visitor.get(`/chat/${chatId}/info.json`), 404, 42);
      });

      it('counts the 30 minutes from the timer that ended the chat when nobody reads it', async () => {
        const { visitor } = await seededAccount(server);
        const chatId = await visitor.startChat({ skill: 'Sales', interactionTimeout: 40 });
        server.clock.advance(40 * SECOND);
        await runDue();

        server.clock.advance(30 * MINUTE);
        assertJsonError(await visitor.get(`/chat/${chatId}.json`), 404, 42);
      });
    });

    describe('restart', () => {
      /** Seeds an account on a first server, starts a chat there, has alice accept it and both sides write a line. */
      async function chatOnFirstServer(first: TestServer) {
        const { accountId, appKey, visitor } = await seededAccount(first);
        await putAgentOnline(first, accountId, ALICE);
        const chatId = await visitor.startChat({ skill: 'Sales', interactionTimeout: 40 });
        first.clock.advance(5 * SECOND);
        await acceptAs(first, accountId, chatId, ALICE);
        first.clock.advance(5 * SECOND);
        const line = await visitor.post(`/chat/${chatId}/events.json`, {
          event: { '@type': 'line', text: 'Written before the restart' },
        });
        assert.equal(line.status, 201, line.text);
        first.clock.advance(5 * SECOND);
        await first.core.chats.agentActions.sendLine(accountId, chatId, await agent(first, accountId, ALICE), 'Noted');
        return { accountId, appKey, chatId, before: await visitor.read(chatId) };
      }

      /**
       * Two servers on one database, the second started after the first closed. The test owns the
       * database, so neither close drops it; it is dropped at the end.
       */
      async function withRestart(
        work: (servers: {
          start(options?: { startTime?: number }): Promise<TestServer>;
          /** Closes the app and the store; the data stays (the database was given). */
          stop(server: TestServer): Promise<void>;
        }) => Promise<void>,
      ): Promise<void> {
        const database = await target.create();
        const secretKey = randomBytes(32);
        const open = new Set<TestServer>();
        const stop = async (server: TestServer) => {
          open.delete(server);
          await server.close();
        };
        try {
          await work({
            async start(options = {}) {
              const server = await startTestServer(target, { database: database.location, secretKey, ...options });
              open.add(server);
              return server;
            },
            stop,
          });
        } finally {
          for (const server of open) await stop(server);
          await database.drop();
        }
      }

      it('keeps the state, the events and the lines of a chat across a restart', async () => {
        await withRestart(async ({ start, stop }) => {
          const first = await start();
          const { accountId, appKey, chatId, before } = await chatOnFirstServer(first);
          await stop(first);

          const second = await start({ startTime: first.clock.now() + 10 * SECOND });
          const afterRestart = await visitorClient(second, accountId, appKey).read(chatId);
          assert.equal(afterRestart.state, 'chatting');
          assert.deepEqual(afterRestart.events, before.events);
          assert.deepEqual(summary(afterRestart.events), [
            'state:waiting',
            'system:4',
            'state:chatting',
            'system:3',
            'visitor',
            'agent',
          ]);
          assert.equal(afterRestart.events[4]?.text, 'Written before the restart');
          assert.equal(afterRestart.events[4]?.by, 'You');
        });
      });

      it('ends on its first run a chat whose interaction timeout passed while the server was down', async () => {
        await withRestart(async ({ start, stop }) => {
          const first = await start();
          const { accountId, appKey, chatId, before } = await chatOnFirstServer(first);
          await stop(first);

          const second = await start({ startTime: first.clock.now() + 120 * SECOND });
          // Nothing acts before the scheduler runs: the due time is simply in the store.
          const waiting = await stored(second, accountId, chatId);
          assert.equal(waiting.state, 'chatting');
          assert.ok(waiting.idleDueAt !== null && waiting.idleDueAt <= second.clock.now());

          await second.core.chats.timers.runDue();
          const afterRestart = await visitorClient(second, accountId, appKey).read(chatId);
          assert.equal(afterRestart.state, 'ended');
          const count = before.events.length;
          assert.deepEqual(afterRestart.events.slice(0, count), before.events, 'the events from A, same ids');
          assert.deepEqual(summary(afterRestart.events.slice(count)), ['system:6', 'state:ended']);
          assert.deepEqual(
            afterRestart.events.map((event) => event['@id']),
            afterRestart.events.map((_, index) => String(index)),
          );
          assert.equal(afterRestart.events[count]?.text, 'The chat was disconnected.');
        });
      });
    });
  });
}

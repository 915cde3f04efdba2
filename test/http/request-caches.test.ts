import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { agentClient, assertError, listOf, ok, visitorClient, type WireEvent } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { relayAccount } from '../support/relay-account.js';
import { RECENT_EVENTS } from '../../src/core/chats/chat-heads.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// The lookups every request repeats (account, bearer, user, agent session) are kept in memory
// (src/store/cached-store.ts). Each test warms them with a request, changes what they hold, here or
// through another connection to the same database (what the `parley` CLI is), and expects the very
// next request to see the change.

const SECOND = 1_000;

for (const target of await databaseTargets()) {
  describe(`request caches on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    /** A second server on the same database: another process's writes, as the CLI makes them. */
    let elsewhere: TestServer;

    /** The statements this server ran since a test last emptied it. */
    const statements: string[] = [];

    before(async () => {
      server = await startTestServer(target, { onQuery: (sql) => statements.push(sql) });
      elsewhere = await startTestServer(target, { database: server.location });
    });
    after(async () => {
      await elsewhere.close();
      await server.close();
    });

    async function freshAccount() {
      const { accountId, seed } = accountSeed();
      await applySeed(server.core, seed);
      const account = seed.accounts[0]!;
      const agents = agentClient(server.baseUrl, accountId);
      const visitor = visitorClient(server.baseUrl, accountId, account.appKeys[0]!);
      return { accountId, seed, account, agents, visitor };
    }

    it('refuses a bearer at once after its logout, although the request before it was served', async () => {
      const { agents } = await freshAccount();
      const { login, session } = await agents.signIn('alice', 'alice-pass');
      assert.equal(await session.availability(), 'Online');
      assert.equal((await agents.logout(login)).status, 200);
      assertError(await session.request('GET', '/availability'), 401, 30);
    });

    it('refuses a user disabled here at once, and one disabled through another connection', async () => {
      const { accountId, agents } = await freshAccount();
      const alice = await agents.signIn('alice', 'alice-pass');
      const boss = await agents.signIn('boss', 'boss-pass');
      assert.equal(await alice.session.availability(), 'Online');
      assert.equal(await boss.session.availability(), 'Online');

      await server.core.administration.disableUser(accountId, 'alice');
      assertError(await alice.session.request('GET', '/availability'), 401, 30);

      assert.equal(await boss.session.availability(), 'Online');
      await elsewhere.core.administration.disableUser(accountId, 'boss');
      assertError(await boss.session.request('GET', '/availability'), 401, 30);
    });

    it('answers 404 at once for an agent session ended by DELETE, and for one ended through another connection', async () => {
      const { agents } = await freshAccount();
      const { session } = await agents.signIn('alice', 'alice-pass');
      assert.equal(await session.availability(), 'Online');
      assert.equal((await session.request('DELETE', '')).status, 200);
      assertError(await session.request('GET', '/availability'), 404, 42);

      const second = await agents.startSession((await agents.login('alice', 'alice-pass')).bearer);
      assert.equal(await second.availability(), 'Online');
      await elsewhere.core.agents.sessions.end(second.path.split('/')[3]!, second.id);
      assertError(await second.request('GET', '/availability'), 404, 42);
    });

    it('reports the availability an agent set, and the Away a ring timeout set', async () => {
      const { agents, visitor } = await freshAccount();
      const { session } = await agents.signIn('alice', 'alice-pass');
      assert.equal(await session.availability(), 'Online');
      await session.setAvailability('Occupied');
      assert.equal(await session.availability(), 'Occupied');
      await session.setAvailability('Online');
      assert.equal(await session.availability(), 'Online');

      await visitor.start({ skill: 'Sales' });
      assert.equal(await session.ringingCount(), '1');
      server.clock.advance(21 * SECOND);
      await server.core.tick();
      assert.equal(await session.availability(), 'Away');
    });

    it('keeps a refreshed bearer past the expiry it had before the refresh', async () => {
      const { accountId, account, agents } = await freshAccount();
      const ttl = 3_600 * SECOND;
      await applySeed(server.core, { accounts: [{ ...account, settings: { loginSessionTtlMs: ttl } }] });
      const { login, session } = await agents.signIn('alice', 'alice-pass');
      assert.equal(await session.availability(), 'Online');
      server.clock.advance(ttl - 60 * SECOND);
      const refreshed = await send(server.baseUrl, 'POST', `/api/account/${accountId}/refresh?v=1.3`, {
        headers: { cookie: login.cookie },
        body: { csrf: login.csrf },
      });
      assert.equal(refreshed.status, 200, refreshed.text);
      server.clock.advance(120 * SECOND);
      assert.equal(await session.availability(), 'Online');
    });

    it('takes app keys changed by a seed at once, applied here or through another connection', async () => {
      const { accountId, account, visitor } = await freshAccount();
      const oldKey = account.appKeys[0]!;
      assert.equal((await visitor.get('/chat/availability.json')).status, 200);

      await applySeed(server.core, { accounts: [{ ...account, appKeys: ['a'.repeat(32)] }] });
      assert.equal((await visitor.get('/chat/availability.json')).status, 401);
      const renewed = visitorClient(server.baseUrl, accountId, 'a'.repeat(32));
      ok(await renewed.get('/chat/availability.json'));

      await applySeed(elsewhere.core, { accounts: [{ ...account, appKeys: [oldKey] }] });
      assert.equal((await renewed.get('/chat/availability.json')).status, 401);
      ok(await visitor.get('/chat/availability.json'));
    });

    it("answers a poll with nothing new from the chat's head on SQLite, and the next poll after another connection's line with the line", async () => {
      const room = await relayAccount(server);
      const chatId = await room.chatting();
      const sides: {
        side: string;
        path: (from: number) => string;
        headers: Record<string, string>;
        postElsewhere: (text: string) => Promise<unknown>;
      }[] = [
        {
          side: 'visitor',
          path: (from: number) =>
            `/api/account/${room.accountId}/chat/${chatId}/events.json?from=${from}&v=1&NC=true&appKey=${room.appKey}`,
          headers: {},
          // The other side writes, through another connection.
          postElsewhere: (text: string) =>
            elsewhere.core.chats.agentActions.sendLine(room.accountId, chatId, room.bot, text),
        },
        {
          side: 'agent',
          path: (from: number) => `${room.session.path}/chat/${chatId}/events.json?from=${from}&v=1&NC=true`,
          headers: { accept: 'application/json', authorization: `Bearer ${room.session.bearer}` },
          postElsewhere: (text: string) =>
            elsewhere.core.chats.visitor.post(room.accountId, chatId, { kind: 'line', text }),
        },
      ];
      const chatReads = () =>
        statements.filter((sql) => sql.startsWith('select') && sql.includes('from "chats"')).length;
      const poll = async (path: string, headers: Record<string, string>) => {
        const response = await send(server.baseUrl, 'GET', path, { headers });
        assert.equal(response.status, 200, response.text);
        const body = response.json() as { events: { event?: WireEvent | WireEvent[] } };
        return listOf(body.events.event).map((event) => [event['@id'], event.text]);
      };
      let from = 4;
      for (const { side, path, headers, postElsewhere } of sides) {
        const used = server.core.chats.heads.used;
        statements.length = 0;
        assert.deepEqual(await poll(path(from), headers), [], side);
        // One SQLite node hears of every change (docs/adr/0013): no read. PostgreSQL reads the chat.
        if (target.name === 'sqlite') {
          assert.equal(chatReads(), 0, `${side}: ${statements.join('\n')}`);
          assert.equal(server.core.chats.heads.used, used + 1, side);
        } else {
          assert.equal(chatReads(), 1, `${side}: ${statements.join('\n')}`);
          assert.equal(server.core.chats.heads.used, used, side);
        }
        await postElsewhere(`elsewhere, to the ${side}`);
        assert.deepEqual(await poll(path(from), headers), [[String(from), `elsewhere, to the ${side}`]], side);
        from += 1;
      }
    });

    it("answers a poll with new events from the chat's newest events on SQLite, as the store does, the visitor's without agent-only lines", async () => {
      const room = await relayAccount(server);
      const chatId = await room.chatting();
      // Events 4–19: more than a head keeps (RECENT_EVENTS), so that the first ones are only stored.
      for (let n = 0; n < RECENT_EVENTS; n += 1) await room.visitor.say(chatId, `filler ${n}`);
      await room.visitor.say(chatId, 'from the visitor');
      await room.session.say(chatId, 'from the agent');
      const note = await room.session.request('POST', `/chat/${chatId}/events`, {
        event: { '@type': 'line', text: 'a note', textType: 'plain', subType: 'ONLY_TO_REP' },
      });
      assert.equal(note.status, 201, note.text);
      await room.visitor.say(chatId, 'again');
      const sides = {
        visitor: {
          path: (from: number) =>
            `/api/account/${room.accountId}/chat/${chatId}/events.json?from=${from}&appKey=${room.appKey}`,
          headers: {},
        },
        agent: {
          path: (from: number) => `${room.session.path}/chat/${chatId}/events.json?from=${from}`,
          headers: { accept: 'application/json', authorization: `Bearer ${room.session.bearer}` },
        },
      };
      /** The events a server answers, its own address taken out of their links. */
      const eventsFrom = async (on: TestServer, side: keyof typeof sides, from: number) => {
        const response = await send(on.baseUrl, 'GET', sides[side].path(from), { headers: sides[side].headers });
        assert.equal(response.status, 200, response.text);
        return response.text.replaceAll(on.baseUrl, '');
      };
      const reads = () =>
        statements.filter((sql) => sql.startsWith('select') && /from "(chats|chat_events)"/.test(sql)).length;

      // Events 20–23 were appended here: the last four lines, one of them agent-only.
      const answers: { side: keyof typeof sides; from: number; text: string }[] = [];
      for (const from of [20, 21, 22, 23, 24]) {
        for (const side of ['visitor', 'agent'] as const) {
          statements.length = 0;
          answers.push({ side, from, text: await eventsFrom(server, side, from) });
          // One SQLite node hears of every change (docs/adr/0013): no read. PostgreSQL reads.
          if (target.name === 'sqlite') assert.equal(reads(), 0, `${side} from ${from}: ${statements.join('\n')}`);
          else assert.ok(reads() > 0, `${side} from ${from}`);
        }
      }
      const answer = (side: string, from: number) =>
        answers.find((candidate) => candidate.side === side && candidate.from === from)!.text;
      assert.match(answer('agent', 20), /a note/);
      assert.doesNotMatch(answer('visitor', 20), /a note/);
      assert.match(answer('visitor', 20), /from the visitor[^]*from the agent[^]*again/);

      // From before the newest events kept: the events from the store, the chat still from its head.
      statements.length = 0;
      const early = await eventsFrom(server, 'visitor', 1);
      if (target.name === 'sqlite')
        assert.deepEqual(
          statements.filter((sql) => /from "chat/.test(sql)).map((sql) => sql.split(' where')[0]),
          ['select * from "chat_events"'],
        );
      assert.match(early, /filler 0[^]*filler 15[^]*again/);
      // Another process answers from the store alone: the same events, the same links.
      assert.equal(early, await eventsFrom(elsewhere, 'visitor', 1));
      for (const { side, from, text } of answers)
        assert.equal(text, await eventsFrom(elsewhere, side, from), `${side} from ${from}`);
    });
  });
}

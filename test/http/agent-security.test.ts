import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import OAuth from 'oauth-1.0a';
import { agentClient, assertError, ok, visitorClient, type Link, type WireEvent } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Who may see and do what on the Chat Agent API (chat-agent-api §1.7, §1.8, §3.15): hostile HTML,
// other accounts, other users, the agentSessionKey cookie and OAuth 1.0 signed bots.

const HOSTILE = `<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a>`;
const CHAT = { skill: 'Sales', interactionTimeout: 86_400 };

/** Nothing of the hostile line may survive that a browser would run. */
function assertHarmless(text: string | undefined, where: string): void {
  assert.ok(text !== undefined, `${where}: no line`);
  for (const bad of [/<script/i, /onerror/i, /javascript:/i, /<img/i]) assert.doesNotMatch(text, bad, where);
}

for (const target of await databaseTargets()) {
  describe(`Chat Agent API security on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const home = accountSeed();
    const other = accountSeed();
    const homeKey = home.seed.accounts[0]!.appKeys[0]!;
    const bob = { id: 2005, loginName: 'bob', password: 'bob-pass', nickname: 'Bob', skills: ['Sales'], maxChats: 3 };

    before(async () => {
      server = await startTestServer(target);
      // Each test gives alice one more chat: room for all of them.
      const users = home.seed.accounts[0]!.users.map((user) => (user.id === 2001 ? { ...user, maxChats: 10 } : user));
      await applySeed(server.core, { accounts: [{ ...home.seed.accounts[0]!, users: [...users, bob] }] });
      await applySeed(server.core, other.seed);
    });
    after(() => server.close());

    /** Alice signs in, a visitor of her account asks for a chat and she accepts it. */
    async function aliceInChat() {
      const agents = agentClient(server.baseUrl, home.accountId);
      const visitor = visitorClient(server.baseUrl, home.accountId, homeKey);
      const { login, session } = await agents.signIn('alice', 'alice-pass');
      const chatId = await visitor.start(CHAT);
      assert.equal(await session.accept(), chatId);
      return { agents, visitor, login, alice: session, chatId };
    }

    it('sanitises hostile agent HTML for both sides and keeps visitor HTML as literal plain text', async () => {
      const { visitor, alice, chatId } = await aliceInChat();
      await alice.say(chatId, HOSTILE, 'html');
      await visitor.say(chatId, '<b>hi</b>');

      const fromAgent = (events: WireEvent[]) => events.find((event) => event.source === 'agent');
      const fromVisitor = (events: WireEvent[]) => events.find((event) => event.source === 'visitor');
      const agentSide = await alice.events(chatId);
      const visitorSide = await visitor.events(chatId);
      for (const [side, events] of [
        ['agent API', agentSide],
        ['Server Chat API', visitorSide],
      ] as const) {
        const line = fromAgent(events);
        assertHarmless(line?.text, side);
        assert.equal(line?.textType, 'html', side);
        assert.match(line?.text ?? '', />x</, `${side}: the link text survives`);
        assert.equal(fromVisitor(events)?.text, '<b>hi</b>', side);
        assert.equal(fromVisitor(events)?.textType, 'plain', side);
      }
      // The chat resource and the single-event resource serve the stored (sanitised) text too.
      const chat = ok<{ chat: { events: { event: WireEvent[] } } }>(await alice.request('GET', `/chat/${chatId}`));
      assertHarmless(fromAgent(chat.chat.events.event)?.text, 'agent chat resource');
      const single = ok<{ event: WireEvent }>(
        await alice.request('GET', `/chat/${chatId}/events/${fromAgent(agentSide)!['@id']}`),
      );
      assertHarmless(single.event.text, 'agent single event');
      const visitorChat = ok<{ chat: { events: { event: WireEvent[] } } }>(await visitor.get(`/chat/${chatId}.json`));
      assertHarmless(fromAgent(visitorChat.chat.events.event)?.text, 'visitor chat resource');
    });

    it("hides another account's chats (404 / 42) and refuses a bearer on another account's paths (401 / 6)", async () => {
      const { login, alice } = await aliceInChat();
      const theirs = await aliceOfOther();
      // A's own session, B's chat id: as if it did not exist.
      assertError(await alice.request('GET', `/chat/${theirs.chatId}`), 404, 42);
      assertError(await alice.request('GET', `/chat/${theirs.chatId}/events?from=0`), 404, 42);
      assertError(
        await alice.request('POST', `/chat/${theirs.chatId}/events`, { event: { '@type': 'line', text: 'hi' } }),
        404,
        42,
      );
      // A's bearer on B's session and B's agentSession collection.
      const foreign = agentClient(server.baseUrl, other.accountId);
      assertError(await foreign.session(theirs.session.id, login.bearer).request('GET', '/incomingRequests'), 401, 6);
      assertError(
        await foreign.session(theirs.session.id, login.bearer).request('GET', `/chat/${theirs.chatId}`),
        401,
        6,
      );
      const start = await send(server.baseUrl, 'POST', `/api/account/${other.accountId}/agentSession.json?v=1`, {
        headers: { authorization: `Bearer ${login.bearer}` },
        body: {},
      });
      assertError(start, 401, 6);
      // B's session id under A's account (A's valid bearer): unknown there.
      const agents = agentClient(server.baseUrl, home.accountId);
      assertError(await agents.session(theirs.session.id, login.bearer).request('GET', '/availability'), 404, 42);
      // B's chat is untouched.
      assert.equal(await theirs.session.ringingCount(), '0');
      assert.equal((await server.store.chats.get(other.accountId, theirs.chatId))?.agentUserId, 2001);
    });

    it("refuses another user's agent session and chats with 403 / 43", async () => {
      const { agents, login, alice, chatId } = await aliceInChat();
      const bobs = await agents.signIn('bob', 'bob-pass');
      const aliceOnBobs = agents.session(bobs.session.id, login.bearer);
      assertError(await aliceOnBobs.request('GET', '/availability'), 403, 43);
      assertError(await aliceOnBobs.request('GET', '/incomingRequests'), 403, 43);
      assertError(await aliceOnBobs.request('POST', '/incomingRequests', {}), 403, 43);
      assertError(await aliceOnBobs.put('/availability', { availability: { chat: 'Away' } }), 403, 43);
      assertError(await aliceOnBobs.request('POST', '', undefined, { 'X-HTTP-Method-Override': 'DELETE' }), 403, 43);
      assert.equal(await bobs.session.availability(), 'Online');
      // Bob, on his own session, cannot read or write alice's chat.
      assertError(await bobs.session.request('GET', `/chat/${chatId}`), 403, 43);
      assertError(
        await bobs.session.request('POST', `/chat/${chatId}/events`, { event: { '@type': 'state', state: 'ended' } }),
        403,
        43,
      );
      assertError(
        await bobs.session.request('POST', `/chat/${chatId}/transfer`, { transfer: { skill: { id: 1001 } } }),
        403,
        43,
      );
      assert.equal((await server.store.chats.get(home.accountId, chatId))?.state, 'chatting');
      assert.equal((await alice.events(chatId)).length, 4);
    });

    it('sets the agentSessionKey cookie on a bearer start, never requires it, and refuses one naming another session', async () => {
      const agents = agentClient(server.baseUrl, home.accountId);
      const login = await agents.login('alice', 'alice-pass');
      const started = await send(server.baseUrl, 'POST', `/api/account/${home.accountId}/agentSession.json?v=1`, {
        headers: { authorization: `Bearer ${login.bearer}` },
        body: {},
      });
      assert.equal(started.status, 201, started.text);
      const id = /\/agentSession\/(\d+)$/.exec(
        (started.json() as { agentSessionLocation: { link: Link } }).agentSessionLocation.link['@href'],
      )?.[1];
      assert.ok(id !== undefined);
      assert.equal(
        started.header('set-cookie'),
        `agentSessionKey=${id}; Path=/api/account/${home.accountId}/agentSession; HttpOnly`,
      );
      const other = await agents.startSession(login.bearer);
      const mine = agents.session(id, login.bearer);

      assert.equal((await mine.request('GET', '/availability')).status, 200, 'no cookie');
      const own = await mine.request('GET', '/availability', undefined, { cookie: `agentSessionKey=${id}` });
      assert.equal(own.status, 200, own.text);
      assertError(
        await mine.request('GET', '/availability', undefined, { cookie: `agentSessionKey=${other.id}` }),
        403,
        43,
      );
      assertError(
        await mine.request('POST', '/incomingRequests', {}, { cookie: `agentSessionKey=${other.id}` }),
        403,
        43,
      );
    });

    describe('OAuth 1.0 signed requests (§1.7)', () => {
      const { key } = home;
      const oauth = new OAuth({
        consumer: { key: key.appKey, secret: key.secret },
        signature_method: 'HMAC-SHA1',
        hash_function: (base, signingKey) => createHmac('sha1', signingKey).update(base).digest('base64'),
      });
      /** A request signed by an independent OAuth 1.0 library with the bot's key and token. */
      const signed = (method: string, path: string, body?: unknown) => {
        const unsigned: OAuth.Data = {
          oauth_consumer_key: key.appKey,
          oauth_token: key.accessToken,
          oauth_signature_method: 'HMAC-SHA1',
          oauth_timestamp: Math.floor(server.clock.now() / 1000),
          oauth_nonce: Math.random().toString(36).slice(2),
          oauth_version: '1.0',
        };
        const signature = oauth.getSignature(
          { url: `${server.baseUrl}${path}`, method },
          key.accessTokenSecret,
          unsigned,
        );
        return send(server.baseUrl, method, path, {
          headers: { ...oauth.toHeader({ ...unsigned, oauth_signature: signature }), accept: 'application/json' },
          ...(body === undefined ? {} : { body }),
        });
      };

      it('starts an agent session for the bot its key is allowed for, without a cookie, and works it signed', async () => {
        const started = await signed('POST', `/api/account/${home.accountId}/agentSession.json?v=1&NC=true`, {});
        assert.equal(started.status, 201, started.text);
        assert.equal(started.header('set-cookie'), undefined, 'no cookie for signed requests');
        const href = (started.json() as { agentSessionLocation: { link: Link } }).agentSessionLocation.link['@href'];
        const sessionPath = new URL(href).pathname;
        const stored = await server.store.agentSessions.get(home.accountId, sessionPath.split('/').pop() ?? '');
        assert.equal(stored?.userId, 2003, 'the session belongs to the bot (its allowedAppKeys)');
        assert.equal(stored?.loginSessionId, null);

        const info = ok<{ info: { userName?: string; loginName?: string } }>(
          await signed('GET', `${sessionPath}/info.json?v=1&NC=true`),
        );
        assert.match(JSON.stringify(info), /echo-bot|EchoBot/);
        const visitor = visitorClient(server.baseUrl, home.accountId, homeKey);
        const chatId = await visitor.start({ skill: 'Support', interactionTimeout: 86_400 });
        assert.deepEqual(
          ok<{ incomingRequests: { ringingCount: string } }>(
            await signed('GET', `${sessionPath}/incomingRequests.json?v=1&NC=true`),
          ).incomingRequests.ringingCount,
          '1',
        );
        const accepted = await signed('POST', `${sessionPath}/incomingRequests.json?v=1&NC=true`, {});
        assert.equal(accepted.status, 201, accepted.text);
        assert.equal(accepted.header('set-cookie'), undefined);
        const line = await signed('POST', `${sessionPath}/chat/${chatId}/events.json?v=1&NC=true`, {
          event: { '@type': 'line', text: 'hello from the bot' },
        });
        assert.equal(line.status, 201, line.text);
        assert.ok((await visitor.events(chatId)).some((event) => event.text === 'hello from the bot'));

        // A person's bearer on the bot's session is someone else's session.
        const alice = await agentClient(server.baseUrl, home.accountId).login('alice', 'alice-pass');
        assertError(
          await agentClient(server.baseUrl, home.accountId)
            .session(sessionPath.split('/').pop() ?? '', alice.bearer)
            .request('GET', '/availability'),
          403,
          43,
        );
      });
    });

    /** Alice of the other account, holding a chat of hers. */
    async function aliceOfOther() {
      const agents = agentClient(server.baseUrl, other.accountId);
      const visitor = visitorClient(server.baseUrl, other.accountId, other.seed.accounts[0]!.appKeys[0]!);
      const { session } = await agents.signIn('alice', 'alice-pass');
      const chatId = await visitor.start(CHAT);
      assert.equal(await session.accept(), chatId);
      return { session, chatId };
    }
  });
}

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  agentClient,
  assertError,
  listOf,
  ok,
  pathOf,
  summary,
  visitorClient,
  type Link,
  type WireEvent,
} from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Agent-side timers and hand-overs over HTTP (chat-agent-api §1.7, §3.8–3.10, §3.23, §4, §6 item 36):
// time moves only with the manual clock, and timers act only when the test calls core.tick(), as the
// server does every second. Visitors ask for a day-long interactionTimeout, so only agent timers act.

const SECOND = 1_000;
const ALICE = 2001;
const BOB = 2005;
const DAVE = 2007;
const SALES = 1001;
const SUPPORT = 1002;
/** A chat that only agent-side timers can end. */
const CHAT = { skill: 'Sales', interactionTimeout: 86_400 };

/** A fresh account: alice, bob and dave (Sales), carol (Support), boss (admin, Support), with `settings`. */
async function freshAccount(server: TestServer, settings: Record<string, unknown> = {}) {
  const { accountId, seed } = accountSeed();
  const account = seed.accounts[0]!;
  const extra = [
    { id: BOB, loginName: 'bob', password: 'bob-pass', nickname: 'Bob', skills: ['Sales'], maxChats: 3 },
    { id: 2006, loginName: 'carol', password: 'carol-pass', nickname: 'Carol', skills: ['Support'], maxChats: 3 },
    { id: DAVE, loginName: 'dave', password: 'dave-pass', nickname: 'Dave', skills: ['Sales'], maxChats: 3 },
  ];
  await applySeed(server.core, { accounts: [{ ...account, users: [...account.users, ...extra], settings }] });
  const agents = agentClient(server.baseUrl, accountId);
  const signIn = async (name: 'alice' | 'bob' | 'carol' | 'dave' | 'boss') =>
    (await agents.signIn(name, `${name}-pass`)).session;
  return {
    accountId,
    agents,
    signIn,
    visitor: visitorClient(server.baseUrl, accountId, account.appKeys[0]!),
    stored: async (chatId: string) => {
      const chat = await server.store.chats.get(accountId, chatId);
      assert.ok(chat !== undefined, `chat ${chatId} is not stored`);
      return chat;
    },
    sessionEnded: async (sessionId: string) =>
      (await server.store.agentSessions.get(accountId, sessionId))?.endedAt !== null,
  };
}

/** Waits a few event-loop turns for work the server finishes after answering (no clock involved). */
async function settled(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let turn = 0; turn < 200; turn += 1) {
    if (await condition()) return;
    await nextTurn();
  }
  assert.fail(`never happened: ${what}`);
}

for (const target of await databaseTargets()) {
  describe(`Chat Agent API timers and hand-overs on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const tick = () => server.core.tick();
    const advance = async (ms: number) => {
      server.clock.advance(ms);
      await tick();
    };

    before(async () => {
      server = await startTestServer(target);
    });
    after(() => server.close());

    describe('ring timeout (§3.9, §6 item 37)', () => {
      it('after 20 s unaccepted sets the agent Away, adds line 23 for both sides and rings another Online agent', async () => {
        const { signIn, visitor } = await freshAccount(server);
        const alice = await signIn('alice');
        const chatId = await visitor.start(CHAT);
        assert.equal(await alice.ringingCount(), '1');
        const bob = await signIn('bob');
        assert.equal(await bob.ringingCount(), '0', 'a ring stays where it is while it lasts');

        await advance(20 * SECOND - 1);
        assert.equal(await alice.ringingCount(), '1');
        assert.equal(await alice.availability(), 'Online');

        await advance(1);
        assert.equal(await alice.availability(), 'Away');
        assert.equal(await alice.ringingCount(), '0');
        assert.equal(await bob.ringingCount(), '1');
        assert.equal(await visitor.state(chatId), 'waiting');
        assert.deepEqual(summary(await visitor.events(chatId)), ['state:waiting', 'system:4', 'system:23']);

        // The agent side reads the same list once bob holds the chat.
        assert.equal(await bob.accept(), chatId);
        assert.deepEqual(summary(await bob.events(chatId)), [
          'state:waiting',
          'system:4',
          'system:23',
          'state:chatting',
          'system:3',
        ]);
      });

      it('honours the account ringTimeoutSeconds, and leaves the chat waiting when nobody else can take it', async () => {
        const { signIn, visitor, stored } = await freshAccount(server, { ringTimeoutSeconds: 5 });
        const alice = await signIn('alice');
        const chatId = await visitor.start(CHAT);
        assert.equal(await alice.ringingCount(), '1');

        await advance(5 * SECOND - 1);
        assert.equal(await alice.ringingCount(), '1');
        await advance(1);
        assert.equal(await alice.availability(), 'Away');
        assert.equal(await alice.ringingCount(), '0');
        assert.equal((await stored(chatId)).ringingUserId, null);
        assert.equal(await visitor.state(chatId), 'waiting');
        assert.deepEqual(summary(await visitor.events(chatId)), ['state:waiting', 'system:4', 'system:23']);

        // Away agents are not rung, even by the timer loop; back Online, the chat rings again.
        await advance(SECOND);
        assert.equal(await alice.ringingCount(), '0');
        await alice.setAvailability('Online');
        assert.equal(await alice.ringingCount(), '1');
      });

      it('rings neither Away nor Occupied agents for a new chat; Occupied ones only for a transfer to them', async () => {
        const { signIn, visitor } = await freshAccount(server);
        const alice = await signIn('alice');
        await alice.setAvailability('Away');
        const bob = await signIn('bob');
        await bob.setAvailability('Occupied');
        const chatId = await visitor.start(CHAT);
        await advance(SECOND);
        assert.equal(await alice.ringingCount(), '0');
        assert.equal(await bob.ringingCount(), '0');

        const dave = await signIn('dave');
        assert.equal(await dave.ringingCount(), '1');
        assert.equal(await dave.accept(), chatId);

        // A transfer to an Away agent fails with the transfer error body (§3.23).
        const refused = await dave.request('POST', `/chat/${chatId}/transfer`, { transfer: { agent: { id: ALICE } } });
        assert.equal(refused.status, 400, refused.text);
        assert.equal(typeof (refused.json() as { transfer: { errormsg: unknown } }).transfer.errormsg, 'string');

        const moved = await dave.request('POST', `/chat/${chatId}/transfer`, { transfer: { agent: { id: BOB } } });
        assert.equal(moved.status, 200, moved.text);
        assert.equal(await bob.ringingCount(), '1');
        assert.equal(await alice.ringingCount(), '0');
        assert.equal(await dave.ringingCount(), '0');
      });
    });

    describe('agent session idle timeout (§1.7, 400 s)', () => {
      it('ends a session without requests for 400 s; its chat waits again with line 23 and rings another agent', async () => {
        const { accountId, signIn, visitor, stored, sessionEnded } = await freshAccount(server);
        const alice = await signIn('alice');
        const chatId = await visitor.start(CHAT);
        assert.equal(await alice.accept(), chatId);
        const bob = await signIn('bob');

        // Requests inside the 400 s keep both sessions alive.
        await advance(200 * SECOND);
        assert.equal(await alice.ringingCount(), '0');
        assert.equal(await bob.ringingCount(), '0');
        await advance(399 * SECOND);
        assert.equal(await sessionEnded(alice.id), false, 'alice asked 399 s ago');
        assert.equal(await bob.ringingCount(), '0');

        await advance(SECOND);
        assert.equal(await sessionEnded(alice.id), true, 'alice asked 400 s ago');
        assert.equal(await sessionEnded(bob.id), false);
        assertError(await alice.request('GET', '/availability'), 404, 42);
        assertError(await alice.request('GET', `/chat/${chatId}`), 404, 42);

        assert.equal(await visitor.state(chatId), 'waiting');
        assert.deepEqual(summary(await visitor.events(chatId)).slice(-4), [
          'state:chatting',
          'system:3',
          'system:23',
          'state:waiting',
        ]);
        assert.equal((await stored(chatId)).agentUserId, null);
        assert.equal(await bob.ringingCount(), '1');
        assert.equal(await bob.accept(), chatId);
        assert.equal((await server.store.chats.get(accountId, chatId))?.agentUserId, BOB);
      });

      it('ends the chat with line 6 when no agent with its skill is logged in any more', async () => {
        const { signIn, visitor, sessionEnded } = await freshAccount(server);
        const alice = await signIn('alice');
        const chatId = await visitor.start(CHAT);
        assert.equal(await alice.accept(), chatId);
        await advance(200 * SECOND);
        // Only an agent of another skill is logged in (and alive) when alice's session ends.
        const boss = await signIn('boss');

        await advance(200 * SECOND);
        assert.equal(await sessionEnded(alice.id), true);
        assert.equal(await visitor.state(chatId), 'ended');
        assert.deepEqual(summary(await visitor.events(chatId)).slice(-4), [
          'state:chatting',
          'system:3',
          'system:6',
          'state:ended',
        ]);
        assert.equal(await boss.ringingCount(), '0');
        assertError(await alice.request('POST', '/incomingRequests', {}), 404, 42);
      });
    });

    describe('end of the login session (§1.7, §6 item 32)', () => {
      it('logout ends only the agent sessions made with that bearer; the chats move to the live one', async () => {
        const { agents, signIn, visitor, stored, sessionEnded } = await freshAccount(server);
        const first = await agents.signIn('alice', 'alice-pass');
        const chatId = await visitor.start(CHAT);
        assert.equal(await first.session.accept(), chatId);
        const second = await agents.signIn('alice', 'alice-pass');
        const bob = await signIn('bob');

        assert.equal((await agents.logout(first.login)).status, 200);
        await settled(() => sessionEnded(first.session.id), 'the first agent session ends');
        assertError(await first.session.request('GET', '/availability'), 401, 30);
        // With a valid bearer of the same user the ended session is simply gone.
        assertError(
          await agents.session(first.session.id, second.login.bearer).request('GET', '/availability'),
          404,
          42,
        );
        assert.equal(await second.session.availability(), 'Online');

        // The chat moved to alice's other session: no requeue, no line 23.
        assert.equal((await stored(chatId)).agentSessionId, second.session.id);
        assert.equal(await visitor.state(chatId), 'chatting');
        assert.ok(!summary(await visitor.events(chatId)).includes('system:23'));
        await second.session.say(chatId, 'still here');
        assert.equal(await bob.ringingCount(), '0');

        // Logging out of the last one requeues it to bob.
        assert.equal((await agents.logout(second.login)).status, 200);
        await settled(() => sessionEnded(second.session.id), 'the second agent session ends');
        assertError(await second.session.request('GET', '/incomingRequests'), 401, 30);
        assert.deepEqual(summary(await visitor.events(chatId)).slice(-3), [
          'agent:still here',
          'system:23',
          'state:waiting',
        ]);
        // Routing follows the requeue's commit: the chat rings at bob a moment later.
        await settled(async () => (await bob.ringingCount()) === '1', 'the requeued chat rings at bob');
      });
    });

    describe('transfer (§3.23)', () => {
      /** Alice accepts a chat and transfers it to bob, where it rings; then she is Occupied. */
      async function ringingAtBob() {
        const { signIn, visitor } = await freshAccount(server);
        const alice = await signIn('alice');
        const chatId = await visitor.start(CHAT);
        assert.equal(await alice.accept(), chatId);
        const bob = await signIn('bob');
        const dave = await signIn('dave');
        const moved = await alice.request('POST', `/chat/${chatId}/transfer`, { transfer: { agent: { id: BOB } } });
        assert.equal(moved.status, 200, moved.text);
        assert.equal(await bob.ringingCount(), '1');
        // Alice is busy elsewhere now: dave is the one Online agent of the skill left.
        await alice.setAvailability('Occupied');
        return { visitor, chatId, bob, dave };
      }

      it('to a skill: line 15, waiting, rings that skill; the new agent reads the note, the visitor never does', async () => {
        const { signIn, visitor } = await freshAccount(server);
        const alice = await signIn('alice');
        const chatId = await visitor.start(CHAT);
        assert.equal(await alice.accept(), chatId);
        const carol = await signIn('carol');
        const bob = await signIn('bob');
        await visitor.say(chatId, 'v1');
        await alice.say(chatId, 'a1');

        const note = 'Billing question, please take over';
        const moved = await alice.request('POST', `/chat/${chatId}/transfer`, {
          transfer: { skill: { id: String(SUPPORT) }, text: note },
        });
        assert.equal(moved.status, 200, moved.text);
        assert.equal(moved.text, '');
        assert.equal(await visitor.state(chatId), 'waiting');
        assert.equal(await carol.ringingCount(), '1');
        assert.equal(await bob.ringingCount(), '0', 'bob lacks the target skill');
        assertError(await alice.request('GET', `/chat/${chatId}`), 403, 43);
        assertError(
          await alice.request('POST', `/chat/${chatId}/events`, { event: { '@type': 'line', text: 'still mine?' } }),
          403,
          43,
        );

        assert.equal(await carol.accept(), chatId);
        const history = await carol.events(chatId, 0);
        assert.deepEqual(summary(history), [
          'state:waiting',
          'system:4',
          'state:chatting',
          'system:3',
          'visitor:v1',
          'agent:a1',
          `agent:${note}`,
          'system:15',
          'state:waiting',
          'state:chatting',
          'system:3',
        ]);
        assert.deepEqual(
          history.map((event) => Number(event['@id'])),
          history.map((_, index) => index),
        );
        const noted = history.find((event) => event.text === note);
        assert.equal(noted?.subType, 'ONLY_TO_REP');
        assert.equal(noted?.by, 'Alice');

        const seen = await visitor.events(chatId);
        assert.ok(!seen.some((event) => event.text === note), 'the visitor must never see the note');
        assert.deepEqual(
          seen.map((event) => event['@id']),
          history.filter((event) => event.text !== note).map((event) => event['@id']),
          'the visitor sees every other event, with a gap where the note is',
        );
        assert.equal(Number(seen[6]!['@id']) - Number(seen[5]!['@id']), 2);
      });

      it('to an agent: line 13, rings that agent even while Occupied and nobody else', async () => {
        const { signIn, visitor, stored } = await freshAccount(server);
        const alice = await signIn('alice');
        const chatId = await visitor.start(CHAT);
        assert.equal(await alice.accept(), chatId);
        const bob = await signIn('bob');
        await bob.setAvailability('Occupied');
        const dave = await signIn('dave');

        // Agent and skill both given: the agent wins (§3.23); ids as strings, text outside transfer (SA-PR).
        const moved = await alice.request('POST', `/chat/${chatId}/transfer`, {
          transfer: { agent: { id: String(BOB) }, skill: { id: SALES } },
          text: 'for you, Bob',
        });
        assert.equal(moved.status, 200, moved.text);
        assert.deepEqual(summary(await visitor.events(chatId)).slice(-2), ['system:13', 'state:waiting']);
        assert.equal(await bob.ringingCount(), '1');
        assert.equal(await dave.ringingCount(), '0');
        await advance(SECOND);
        assert.equal(await dave.ringingCount(), '0', 'the timer loop does not move it either');
        assert.equal(await bob.accept(), chatId);
        assert.equal((await stored(chatId)).agentUserId, BOB);
        assert.deepEqual(summary(await visitor.events(chatId)).slice(-2), ['state:chatting', 'system:3']);
      });

      it('to an agent who lets it ring out: the agent goes Away and the chat rings elsewhere with line 23', async () => {
        const { visitor, chatId, bob, dave } = await ringingAtBob();

        await advance(20 * SECOND);
        assert.equal(await bob.availability(), 'Away');
        assert.deepEqual(summary(await visitor.events(chatId)).slice(-3), ['system:13', 'state:waiting', 'system:23']);
        assert.equal(await dave.ringingCount(), '1', 'the chat rings another Online agent of its skill');
      });

      it('to an agent whose session ends before accepting: the chat rings another agent of its skill', async () => {
        const { visitor, chatId, bob, dave } = await ringingAtBob();

        const ended = await bob.request('POST', '', undefined, { 'X-HTTP-Method-Override': 'DELETE' });
        assert.ok(ended.status < 300, ended.text);
        await advance(SECOND);
        assert.equal(await visitor.state(chatId), 'waiting');
        assert.equal(await dave.ringingCount(), '1', 'the chat rings another Online agent of its skill');
      });
    });

    describe('continuity (§3.10)', () => {
      it("a second session of the same agent lists the first one's chats and takes one over by reading it", async () => {
        const { agents, visitor, stored } = await freshAccount(server);
        const first = (await agents.signIn('alice', 'alice-pass')).session;
        const chatId = await visitor.start(CHAT);
        assert.equal(await first.accept(), chatId);
        await first.setAvailability('Occupied');
        const second = (await agents.signIn('alice', 'alice-pass')).session;
        assert.equal(await second.availability(), 'Occupied', "a new session takes the agent's state");

        assert.deepEqual(ok(await first.request('GET', '/chatSessions')), { chatSessions: {} });
        const listed = ok<{
          chatSessions: { chatSession: { link: Link & { href: string }; chatSessionKey: string; startTime: number } };
        }>(await second.request('GET', '/chatSessions'));
        const entry = listed.chatSessions.chatSession;
        assert.equal(entry.chatSessionKey, chatId);
        assert.equal(typeof entry.startTime, 'number');
        assert.equal(entry.link['@rel'], 'chat-session');
        assert.equal(entry.link['@href'], `${server.baseUrl}${second.path}/chat/${chatId}`);
        assert.equal(entry.link.href, entry.link['@href']);

        const taken = await second.request('GET', `${pathOf(entry.link['@href']).slice(second.path.length)}`);
        assert.equal(taken.status, 200, taken.text);
        const events = listOf(
          (taken.json() as { chat: { events: { event?: WireEvent | WireEvent[] } } }).chat.events.event,
        );
        assert.deepEqual(summary(events), ['state:waiting', 'system:4', 'state:chatting', 'system:3']);
        assert.equal((await stored(chatId)).agentSessionId, second.id);
        await second.say(chatId, 'from my phone');

        // The first session now sees it among the other session's chats; ending it leaves the chat alone.
        const back = ok<{ chatSessions: { chatSession: { chatSessionKey: string } } }>(
          await first.request('GET', '/chatSessions'),
        );
        assert.equal(back.chatSessions.chatSession.chatSessionKey, chatId);
        const deleted = await first.request('POST', '', undefined, { 'X-HTTP-Method-Override': 'DELETE' });
        assert.ok(deleted.status < 300, deleted.text);
        assert.equal(await visitor.state(chatId), 'chatting');
        assert.deepEqual(summary(await visitor.events(chatId)).slice(-1), ['agent:from my phone']);
        assert.equal((await stored(chatId)).agentSessionId, second.id);
      });
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { agentClient, assertJsonError, ok, visitorClient, type AgentSessionClient } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Who may do what with a shared chat over HTTP (docs/SHARED-CHATS.md, "Who may" and the refusals):
// each refusal is asserted as the error envelope's status and internalCode, each grant by its
// success. Permissions come from the seed: explicit lists, "all", [] for none, and role defaults.

const SALES = 1001;
const SUPPORT = 1002;
const BOB = 2005;
const CAROL = 2006;

type Name = 'alice' | 'boss' | 'ann' | 'sup' | 'suppy' | 'lis' | 'helper' | 'omni' | 'mute' | 'bob' | 'carol';

/**
 * An account whose Sales chats alice holds (an agent who may assist in Sales) and whose Support
 * chats boss holds (an admin of Support, by role default), with a user for every kind of permission:
 * ann (agent: none), sup (manager of Sales: Sales by default), suppy (manager of Support), lis
 * (listen ["Sales"]), helper (assist ["Support"], no skill), omni (listen and assist "all"), mute
 * (manager of Sales with [] for both), bob (agent of Sales) and carol (agent of Support) to invite.
 */
async function sharedAccount(server: TestServer) {
  const { accountId, seed } = accountSeed();
  const account = seed.accounts[0]!;
  const [alice, boss] = account.users;
  const user = (id: number, loginName: string, extra: Record<string, unknown>) => ({
    id,
    loginName,
    password: `${loginName}-pass`,
    nickname: loginName[0]!.toUpperCase() + loginName.slice(1),
    maxChats: 0,
    ...extra,
  });
  const users = [
    { ...alice!, assist: ['Sales'] },
    boss!,
    user(2010, 'ann', { skills: ['Sales'] }),
    user(2011, 'sup', { skills: ['Sales'], role: 'manager' }),
    user(2012, 'suppy', { skills: ['Support'], role: 'manager' }),
    user(2013, 'lis', { skills: ['Sales'], listen: ['Sales'] }),
    user(2014, 'helper', { assist: ['Support'] }),
    user(2015, 'omni', { listen: 'all', assist: 'all' }),
    user(2016, 'mute', { skills: ['Sales'], role: 'manager', listen: [], assist: [] }),
    user(BOB, 'bob', { skills: ['Sales'] }),
    user(CAROL, 'carol', { skills: ['Support'] }),
  ];
  await applySeed(server.core, { accounts: [{ ...account, users }] });
  const agents = agentClient(server.baseUrl, accountId);
  const visitor = visitorClient(server.baseUrl, accountId, account.appKeys[0]!);
  const signIn = async (name: Name) => (await agents.signIn(name, `${name}-pass`)).session;

  // Alice and boss sign in first, so that each chat rings at its holder and nobody else.
  const aliceSession = await signIn('alice');
  const salesChat = await visitor.start({ skill: 'Sales', interactionTimeout: 86_400 });
  assert.equal(await aliceSession.accept(), salesChat);
  const bossSession = await signIn('boss');
  // A second later: the live chats list is oldest first.
  server.clock.advance(1_000);
  const supportChat = await visitor.start({ skill: 'Support', interactionTimeout: 86_400 });
  assert.equal(await bossSession.accept(), supportChat);
  return { accountId, visitor, signIn, alice: aliceSession, boss: bossSession, salesChat, supportChat };
}

const join = (session: AgentSessionClient, chatId: string, role: 'listener' | 'assistant') =>
  session.request('POST', `/chat/${chatId}/participants`, { participant: { role } });

const leave = (session: AgentSessionClient, chatId: string, id = session.id) =>
  session.request('DELETE', `/chat/${chatId}/participants/${id}`);

const line = (session: AgentSessionClient, chatId: string, text: string, subType?: 'ONLY_TO_REP') =>
  session.request('POST', `/chat/${chatId}/events`, {
    event: { '@type': 'line', text, ...(subType === undefined ? {} : { subType }) },
  });

const liveChatIds = async (session: AgentSessionClient) =>
  ok<{ liveChats: { chat: { chatId: string }[] } }>(await session.request('GET', '/liveChats')).liveChats.chat.map(
    (chat) => chat.chatId,
  );

interface OpenInvitation {
  id: string;
  chatId: string;
}

const invitationsOf = async (session: AgentSessionClient) =>
  ok<{ invitations: { invitation: OpenInvitation[] } }>(await session.request('GET', '/invitations')).invitations
    .invitation;

for (const target of await databaseTargets()) {
  describe(`shared chats authorization on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(target);
    });
    after(async () => {
      await server?.close();
    });

    it('an agent without permission may neither join, list the live chats nor listen automatically (403 / 43)', async () => {
      const { signIn, salesChat } = await sharedAccount(server);
      const ann = await signIn('ann');
      assertJsonError(await join(ann, salesChat, 'listener'), 403, 43);
      assertJsonError(await join(ann, salesChat, 'assistant'), 403, 43);
      assertJsonError(await ann.request('GET', '/liveChats'), 403, 43);
      assertJsonError(await ann.put('/autoListen', { autoListen: { skills: 'all' } }), 403, 43);
      assertJsonError(await ann.put('/autoListen', { autoListen: { skills: ['Sales'] } }), 403, 43);
      // Refused, it reads nothing of the chat either.
      assertJsonError(await ann.request('GET', `/chat/${salesChat}/events`), 403, 43);
      assertJsonError(await ann.request('GET', `/chat/${salesChat}/participants`), 403, 43);
    });

    it('a manager joins only chats of its own skills, and lists only those', async () => {
      const { signIn, salesChat, supportChat } = await sharedAccount(server);
      const suppy = await signIn('suppy');
      assertJsonError(await join(suppy, salesChat, 'listener'), 403, 43);
      assertJsonError(await join(suppy, salesChat, 'assistant'), 403, 43);
      assert.deepEqual(await liveChatIds(suppy), [supportChat]);
      const narrowed = ok<{ liveChats: { chat: unknown[] } }>(await suppy.request('GET', `/liveChats?skill=${SALES}`));
      assert.deepEqual(narrowed.liveChats.chat, []);
    });

    it('a listener without the assist permission cannot take over; a manager of the skill can', async () => {
      const { signIn, alice, salesChat } = await sharedAccount(server);
      const lis = await signIn('lis');
      ok(await join(lis, salesChat, 'listener'), 201);
      assertJsonError(await lis.request('POST', `/chat/${salesChat}/takeOver`, {}), 403, 43);
      // Not a participant at all: refused the same way, even with the permission.
      const sup = await signIn('sup');
      assertJsonError(await sup.request('POST', `/chat/${salesChat}/takeOver`, {}), 403, 43);
      ok(await join(sup, salesChat, 'listener'), 201);
      ok(await sup.request('POST', `/chat/${salesChat}/takeOver`, {}), 200);
      // The former holder no longer holds it, nor may it take it back.
      assertJsonError(await alice.request('POST', `/chat/${salesChat}/takeOver`, {}), 403, 43);
      assertJsonError(await line(alice, salesChat, 'mine?'), 403, 43);
    });

    it("another account's chat is not found: join, participants, invitations, take over (404 / 42)", async () => {
      const { signIn, salesChat } = await sharedAccount(server);
      const other = await sharedAccount(server);
      const omni = await signIn('omni');
      const sup = await other.signIn('sup');
      for (const [session, chatId] of [
        [omni, other.salesChat],
        [sup, salesChat],
      ] as const) {
        assertJsonError(await join(session, chatId, 'listener'), 404, 42);
        assertJsonError(await join(session, chatId, 'assistant'), 404, 42);
        assertJsonError(await session.request('GET', `/chat/${chatId}/participants`), 404, 42);
        assertJsonError(
          await session.request('POST', `/chat/${chatId}/invitations`, { invitation: { agentId: BOB } }),
          404,
          42,
        );
        assertJsonError(await session.request('POST', `/chat/${chatId}/takeOver`, {}), 404, 42);
      }
      // The holder of one account reaches nothing of the other's either.
      const { alice } = other;
      assertJsonError(
        await alice.request('POST', `/chat/${salesChat}/invitations`, { invitation: { agentId: BOB } }),
        404,
        42,
      );
      // An unknown chat id is not found as well.
      assertJsonError(await join(omni, 'H0000000000000000K0000000', 'listener'), 404, 42);
    });

    it('a listener posts only agent-only lines; no participant ends the chat or sets the typing flag (403 / 43)', async () => {
      const { signIn, visitor, salesChat } = await sharedAccount(server);
      const lis = await signIn('lis');
      const sup = await signIn('sup');
      ok(await join(lis, salesChat, 'listener'), 201);
      ok(await join(sup, salesChat, 'assistant'), 201);

      assertJsonError(await line(lis, salesChat, 'Hello visitor'), 403, 43);
      ok(await line(lis, salesChat, 'a tip', 'ONLY_TO_REP'), 201);
      ok(await line(sup, salesChat, 'Hello, I am Sup.'), 201);
      for (const participant of [lis, sup]) {
        assertJsonError(
          await participant.request('POST', `/chat/${salesChat}/events`, {
            event: { '@type': 'state', state: 'ended' },
          }),
          403,
          43,
        );
        assertJsonError(
          await participant.put(`/chat/${salesChat}/info/agentTyping`, { agentTyping: 'typing' }),
          403,
          43,
        );
      }
      assert.equal(await visitor.state(salesChat), 'chatting');
      const seen = (await visitor.events(salesChat)).map((event) => event.text);
      assert.ok(seen.includes('Hello, I am Sup.'));
      assert.ok(!seen.includes('a tip') && !seen.includes('Hello visitor'));
    });

    it('after leaving, a participant neither reads nor posts (403 / 43)', async () => {
      const { signIn, alice, salesChat } = await sharedAccount(server);
      const sup = await signIn('sup');
      const lis = await signIn('lis');
      ok(await join(sup, salesChat, 'assistant'), 201);
      ok(await join(lis, salesChat, 'listener'), 201);
      ok(await sup.request('GET', `/chat/${salesChat}/events`));

      assert.equal((await leave(sup, salesChat)).status, 204);
      // Only the holder removes another participant.
      assertJsonError(await leave(sup, salesChat, lis.id), 403, 43);
      assertJsonError(await leave(lis, salesChat, alice.id), 403, 43);
      assert.equal((await leave(alice, salesChat, lis.id)).status, 204);
      // Removing one who is no longer there: that participant is not found.
      assertJsonError(await leave(alice, salesChat, lis.id), 404, 42);

      for (const gone of [sup, lis]) {
        assertJsonError(await gone.request('GET', `/chat/${salesChat}/events`), 403, 43);
        assertJsonError(await gone.request('GET', `/chat/${salesChat}`), 403, 43);
        assertJsonError(await gone.request('GET', `/chat/${salesChat}/participants`), 403, 43);
        assertJsonError(await line(gone, salesChat, 'still here?', 'ONLY_TO_REP'), 403, 43);
      }
    });

    it('after the chat ends a participant reads it to its end, and nobody posts, joins or invites (400 / 5)', async () => {
      const { signIn, alice, salesChat } = await sharedAccount(server);
      const sup = await signIn('sup');
      const bob = await signIn('bob');
      ok(await join(sup, salesChat, 'assistant'), 201);
      await alice.end(salesChat);

      const events = await sup.events(salesChat);
      assert.equal(events.at(-1)?.['@type'], 'state');
      assert.equal(events.at(-1)?.state, 'ended');
      assert.deepEqual(
        (await alice.events(salesChat)).map((event) => event['@id']),
        events.map((event) => event['@id']),
        'the participant reads what the holder reads',
      );
      const participants = ok<{ participants: { participant: { id: string }[] } }>(
        await sup.request('GET', `/chat/${salesChat}/participants`),
      ).participants.participant;
      assert.deepEqual(
        participants.map((participant) => participant.id),
        [sup.id],
      );

      assertJsonError(await line(sup, salesChat, 'too late'), 400, 5);
      assertJsonError(await line(sup, salesChat, 'too late', 'ONLY_TO_REP'), 400, 5);
      const omni = await signIn('omni');
      assertJsonError(await join(omni, salesChat, 'listener'), 400, 5);
      assertJsonError(await join(sup, salesChat, 'listener'), 400, 5);
      assertJsonError(
        await alice.request('POST', `/chat/${salesChat}/invitations`, { invitation: { agentId: BOB } }),
        400,
        5,
      );
      assert.deepEqual(await invitationsOf(bob), []);
      assertJsonError(await sup.request('POST', `/chat/${salesChat}/takeOver`, {}), 400, 5);
      assert.ok(!(await liveChatIds(omni)).includes(salesChat));
    });

    it('an invitation reaches only someone online: else 400 / 40 naming why; only the holder invites', async () => {
      const { signIn, alice, salesChat, supportChat } = await sharedAccount(server);
      const invite = (session: AgentSessionClient, chatId: string, invitation: Record<string, unknown>) =>
        session.request('POST', `/chat/${chatId}/invitations`, { invitation });
      const offline = await invite(alice, salesChat, { agentId: BOB });
      assertJsonError(offline, 400, 40);
      assert.match(offline.text, /not online/);
      // Nobody but alice herself holds Sales and is online.
      assertJsonError(await invite(alice, salesChat, { skillId: String(SALES) }), 400, 40);
      assertJsonError(await invite(alice, salesChat, { agentId: 999_999 }), 400, 40);
      assertJsonError(await invite(alice, salesChat, { agentId: 2001 }), 400, 40);
      assertJsonError(await invite(alice, salesChat, { skillId: 9999 }), 400, 40);

      // Online in any availability will do.
      const bob = await signIn('bob');
      await bob.setAvailability('Away');
      ok(await invite(alice, salesChat, { agentId: BOB }), 201);
      // Boss is online and holds Support: a skill invitation reaches him.
      ok(await invite(alice, salesChat, { skillId: SUPPORT }), 201);

      // Only the holder invites: neither a participant nor the holder of another chat.
      const sup = await signIn('sup');
      ok(await join(sup, salesChat, 'assistant'), 201);
      assertJsonError(await invite(sup, salesChat, { agentId: BOB }), 403, 43);
      assertJsonError(await invite(alice, supportChat, { agentId: BOB }), 403, 43);
      assertJsonError(await sup.request('GET', `/chat/${salesChat}/invitations/${salesChat}.1`), 403, 43);
    });

    it('an invitation is answered once, and only by someone it reaches (404 / 42)', async () => {
      const { signIn, alice, boss, salesChat } = await sharedAccount(server);
      const bob = await signIn('bob');
      const carol = await signIn('carol');
      ok(await alice.request('POST', `/chat/${salesChat}/invitations`, { invitation: { agentId: BOB } }), 201);
      const [toBob] = await invitationsOf(bob);
      assert.ok(toBob !== undefined);
      assert.deepEqual(await invitationsOf(carol), []);

      // Carol is not invited: for her it does not exist.
      assertJsonError(await carol.request('POST', `/invitations/${toBob.id}`, { response: 'accept' }), 404, 42);
      assertJsonError(await carol.request('POST', `/invitations/${toBob.id}`, { response: 'decline' }), 404, 42);
      ok(await bob.request('POST', `/invitations/${toBob.id}`, { response: 'accept' }), 201);
      assertJsonError(await bob.request('POST', `/invitations/${toBob.id}`, { response: 'accept' }), 404, 42);
      assertJsonError(await bob.request('POST', `/invitations/${toBob.id}`, { response: 'decline' }), 404, 42);
      assertJsonError(await alice.request('GET', `/chat/${salesChat}/invitations/${toBob.id}`), 404, 42);
      assertJsonError(await alice.request('DELETE', `/chat/${salesChat}/invitations/${toBob.id}`), 404, 42);

      // A skill invitation: the first answer closes it for everyone it reached.
      ok(await alice.request('POST', `/chat/${salesChat}/invitations`, { invitation: { skillId: SUPPORT } }), 201);
      const [toSupport] = await invitationsOf(carol);
      assert.ok(toSupport !== undefined);
      assert.deepEqual(
        (await invitationsOf(boss)).map((invitation) => invitation.id),
        [toSupport.id],
      );
      assert.equal((await carol.request('POST', `/invitations/${toSupport.id}`, { response: 'decline' })).status, 204);
      assert.deepEqual(await invitationsOf(boss), []);
      assertJsonError(await boss.request('POST', `/invitations/${toSupport.id}`, { response: 'accept' }), 404, 42);
      // Ids that name no invitation at all.
      assertJsonError(await bob.request('POST', `/invitations/nonsense`, { response: 'accept' }), 404, 42);
      assertJsonError(await bob.request('POST', `/invitations/${salesChat}.999`, { response: 'accept' }), 404, 42);
    });

    it("the holder's own user cannot join its chat (400 / 5)", async () => {
      const { signIn, salesChat } = await sharedAccount(server);
      // Alice may assist in Sales, but a second session of hers is still the holder's user.
      const second = await signIn('alice');
      assertJsonError(await join(second, salesChat, 'listener'), 400, 5);
      assertJsonError(await join(second, salesChat, 'assistant'), 400, 5);
    });

    it('refuses bad bodies with 400 / 40', async () => {
      const { signIn, alice, salesChat } = await sharedAccount(server);
      const sup = await signIn('sup');
      const bob = await signIn('bob');
      assertJsonError(
        await sup.request('POST', `/chat/${salesChat}/participants`, { participant: { role: 'boss' } }),
        400,
        40,
      );
      assertJsonError(
        await sup.request('POST', `/chat/${salesChat}/participants`, { participant: { role: 7 } }),
        400,
        40,
      );
      const invite = (invitation: unknown) => alice.request('POST', `/chat/${salesChat}/invitations`, { invitation });
      assertJsonError(await invite({}), 400, 40);
      assertJsonError(await invite({ agentId: BOB, skillId: SALES }), 400, 40);
      assertJsonError(await invite({ agentId: BOB, note: 42 }), 400, 40);
      assertJsonError(await invite({ agentId: BOB, note: 'x'.repeat(2_001) }), 400, 40);
      assertJsonError(await invite({ agentId: -1 }), 400, 40);
      ok(await invite({ agentId: BOB }), 201);
      const [invitation] = await invitationsOf(bob);
      assert.ok(invitation !== undefined);
      assertJsonError(await bob.request('POST', `/invitations/${invitation.id}`, { response: 'maybe' }), 400, 40);
      assertJsonError(await bob.request('POST', `/invitations/${invitation.id}`, {}), 400, 40);
      assertJsonError(await sup.put('/autoListen', { autoListen: { skills: 'some' } }), 400, 40);
      assertJsonError(await sup.put('/autoListen', { autoListen: { skills: [] } }), 400, 40);
      assertJsonError(await sup.put('/autoListen', { autoListen: {} }), 400, 40);
      assertJsonError(await sup.put('/autoListen', { autoListen: { skills: ['Billing'] } }), 400, 40);
      // A skill that exists but is outside the permission is a refusal, not a bad body.
      assertJsonError(await sup.put('/autoListen', { autoListen: { skills: ['Support'] } }), 403, 43);
      // Nothing was changed by the refusals.
      assert.deepEqual(
        ok<{ autoListen: { skills: unknown } }>(await sup.request('GET', '/autoListen')).autoListen.skills,
        [],
      );
      assert.equal((await invitationsOf(bob)).length, 1);
    });

    it('permissions from the seed: explicit lists and "all", [] for none, and role defaults', async () => {
      const { signIn, salesChat, supportChat } = await sharedAccount(server);
      // For each user: may it join Sales as listener, Sales as assistant, Support as listener, Support as assistant?
      const expected: Record<
        Exclude<Name, 'alice' | 'boss' | 'bob' | 'carol'>,
        [boolean, boolean, boolean, boolean]
      > = {
        ann: [false, false, false, false], // agent: none by default
        sup: [true, true, false, false], // manager: its skills by default
        suppy: [false, false, true, true],
        lis: [true, false, false, false], // listen ["Sales"]
        helper: [false, false, true, true], // assist ["Support"] includes listen, without the skill itself
        omni: [true, true, true, true], // "all"
        mute: [false, false, false, false], // [] overrides the manager's default
      };
      const cases = [
        [salesChat, 'listener'],
        [salesChat, 'assistant'],
        [supportChat, 'listener'],
        [supportChat, 'assistant'],
      ] as const;
      for (const [name, allowed] of Object.entries(expected)) {
        const session = await signIn(name as Name);
        const got: boolean[] = [];
        for (const [chatId, role] of cases) {
          const joined = await join(session, chatId, role);
          if (joined.status === 201) {
            got.push(true);
            assert.equal((await leave(session, chatId)).status, 204);
          } else {
            assertJsonError(joined, 403, 43);
            got.push(false);
          }
        }
        assert.deepEqual(got, allowed, `${name} joins`);

        // The live chats list follows the listen permission (assist included); none at all is 403.
        const listed = await session.request('GET', '/liveChats');
        const listens = [allowed[0], allowed[2]];
        if (!listens.includes(true)) {
          assertJsonError(listed, 403, 43);
          continue;
        }
        const ids = ok<{ liveChats: { chat: { chatId: string }[] } }>(listed).liveChats.chat.map((chat) => chat.chatId);
        assert.deepEqual(
          ids,
          [salesChat, supportChat].filter((_, index) => listens[index]),
          `${name} lists`,
        );
        // Automatic listening to "all" keeps the skills it may listen to.
        const auto = ok<{ autoListen: { skills: unknown } }>(
          await session.put('/autoListen', { autoListen: { skills: 'all' } }),
        ).autoListen.skills;
        assert.deepEqual(
          auto,
          name === 'omni' ? 'all' : [String(SALES), String(SUPPORT)].filter((_, index) => listens[index]),
          `${name} listens automatically to`,
        );
        assert.equal((await session.request('DELETE', '/autoListen')).status, 204);
      }
    });
  });
}

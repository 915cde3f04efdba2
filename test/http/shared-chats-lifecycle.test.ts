import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  agentClient,
  assertJsonError,
  ok,
  summary,
  visitorClient,
  type AgentSessionClient,
  type WireEvent,
} from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// What happens to a shared chat's participants as the chat lives (docs/SHARED-CHATS.md): transfers,
// requeues, agent sessions ending, the chat ending; invitations, taking over, and the live chats
// list as a long-poll and a stream. Time moves only with the manual clock and core.tick().

const SECOND = 1_000;
const SALES = 1001;
const SUPPORT = 1002;
const BOB = 2005;
const SUP = 2010;
const HELPER = 2014;

type Name = 'alice' | 'bob' | 'carol' | 'sup' | 'omni' | 'lis' | 'suppy' | 'helper';

/** One Server-Sent Events message, its data parsed. */
interface SseMessage {
  event: string;
  data: Record<string, unknown>;
}

interface SseClient {
  messages: SseMessage[];
  /** The messages of one event type. */
  of(event: string): Record<string, unknown>[];
  until(check: () => boolean, what: string): Promise<void>;
  close(): void;
}

/**
 * An account: alice and bob (agents of Sales), carol (agent of Support), sup (manager of Sales:
 * listens to and assists in Sales by default), omni (listens to and assists in all), lis (an agent
 * who may listen to Sales), suppy (manager of Support) and helper (agent of Sales, no permission).
 */
async function sharedAccount(server: TestServer) {
  const { accountId, seed } = accountSeed();
  const account = seed.accounts[0]!;
  const user = (id: number, loginName: string, extra: Record<string, unknown>) => ({
    id,
    loginName,
    password: `${loginName}-pass`,
    nickname: loginName[0]!.toUpperCase() + loginName.slice(1),
    maxChats: 0,
    ...extra,
  });
  const users = [
    account.users[0]!,
    user(BOB, 'bob', { skills: ['Sales'], maxChats: 3 }),
    user(2006, 'carol', { skills: ['Support'], maxChats: 3 }),
    user(SUP, 'sup', { skills: ['Sales'], role: 'manager' }),
    user(2011, 'omni', { listen: 'all', assist: 'all' }),
    user(2012, 'lis', { skills: ['Sales'], listen: ['Sales'] }),
    user(2013, 'suppy', { skills: ['Support'], role: 'manager' }),
    user(HELPER, 'helper', { skills: ['Sales'] }),
  ];
  await applySeed(server.core, { accounts: [{ ...account, users }] });
  const agents = agentClient(server.baseUrl, accountId);
  const visitor = visitorClient(server.baseUrl, accountId, account.appKeys[0]!);
  return {
    accountId,
    agents,
    visitor,
    signIn: async (name: Name) => (await agents.signIn(name, `${name}-pass`)).session,
    /** Alice signs in and accepts a new Sales chat (before anyone else of Sales can be rung). */
    async aliceChat(request: Record<string, unknown> = {}) {
      const started = await agents.signIn('alice', 'alice-pass');
      const chatId = await visitor.start({ skill: 'Sales', interactionTimeout: 86_400, ...request });
      assert.equal(await started.session.accept(), chatId);
      return { alice: started.session, aliceLogin: started.login, chatId };
    },
  };
}

const join = async (session: AgentSessionClient, chatId: string, role: 'listener' | 'assistant') =>
  ok(await session.request('POST', `/chat/${chatId}/participants`, { participant: { role } }), 201);

interface ParticipantsView {
  holder: { agentId: string; agentName: string } | null;
  participant: { id: string; agentName: string; role: string }[];
  invitation: { id: string }[];
}

const participantsOf = async (session: AgentSessionClient, chatId: string) =>
  ok<{ participants: ParticipantsView }>(await session.request('GET', `/chat/${chatId}/participants`)).participants;

/** Who is in the chat beside its holder: `name:role`, in the order they joined. */
const whoIsIn = async (session: AgentSessionClient, chatId: string) =>
  (await participantsOf(session, chatId)).participant.map(
    (participant) => `${participant.agentName}:${participant.role}`,
  );

/** The participant events of a list: `action name[ role]`. */
const participantEvents = (events: WireEvent[]) =>
  events
    .filter((event) => event['@type'] === 'participant')
    .map((event) => `${String(event.action)} ${String(event.agentName)} ${String(event.role)}`);

const invitationsOf = async (session: AgentSessionClient) =>
  ok<{ invitations: { invitation: { id: string; chatId: string }[] } }>(await session.request('GET', '/invitations'))
    .invitations.invitation;

/** Asserts an answer's status (the transfer and typing resources answer with an empty body). */
const answered = (response: { status: number; text: string }, status: number) =>
  assert.equal(response.status, status, response.text);

const post = (session: AgentSessionClient, chatId: string, text: string, subType?: 'ONLY_TO_REP') =>
  session.request('POST', `/chat/${chatId}/events`, {
    event: { '@type': 'line', text, ...(subType === undefined ? {} : { subType }) },
  });

for (const target of await databaseTargets()) {
  describe(`shared chats lifecycle on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const streams = new Set<SseClient>();
    const advance = async (ms: number) => {
      server.clock.advance(ms);
      await server.core.tick();
    };

    before(async () => {
      server = await startTestServer(target);
    });
    afterEach(() => {
      for (const stream of streams) stream.close();
      streams.clear();
    });
    after(async () => {
      await server?.close();
    });

    /** Opens `sub` of the session as Server-Sent Events, parsing messages as they come. */
    function openStream(session: AgentSessionClient, sub: string): Promise<SseClient> {
      const url = new URL(server.baseUrl);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: `${session.path}${sub}`,
            headers: { accept: 'text/event-stream', authorization: `Bearer ${session.bearer}` },
            agent: false,
          },
          (res) => {
            if (res.statusCode !== 200) {
              reject(new Error(`${sub} answered ${String(res.statusCode)}`));
              res.resume();
              return;
            }
            res.setEncoding('utf8');
            let partial = '';
            let isEnded = false;
            let event = 'message';
            let data: string[] = [];
            res.on('data', (chunk: string) => {
              const lines = (partial + chunk).split('\n');
              partial = lines.pop() ?? '';
              for (const text of lines) {
                if (text === '') {
                  if (data.length > 0)
                    client.messages.push({ event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
                  event = 'message';
                  data = [];
                } else if (text.startsWith('event:')) event = text.slice(6).trim();
                else if (text.startsWith('data:')) data.push(text.slice(5).replace(/^ /, ''));
              }
            });
            const end = () => (isEnded = true);
            res.on('end', end);
            res.on('close', end);
            res.on('error', end);
            const client: SseClient = {
              messages: [],
              of: (name) => client.messages.filter((message) => message.event === name).map((message) => message.data),
              async until(check, what) {
                await eventually(what, () => {
                  if (check()) return true;
                  if (isEnded) throw new Error(`the stream ended before ${what}: ${JSON.stringify(client.messages)}`);
                  return false;
                });
              },
              close: () => req.destroy(),
            };
            streams.add(client);
            resolve(client);
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    describe('transfers and requeues', () => {
      it('through a transfer to an agent every participant stays, an invited assistant included', async () => {
        const { signIn, visitor, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat();
        const sup = await signIn('sup');
        const lis = await signIn('lis');
        const helper = await signIn('helper');
        await join(sup, chatId, 'assistant');
        await join(lis, chatId, 'listener');
        ok(await alice.request('POST', `/chat/${chatId}/invitations`, { invitation: { agentId: HELPER } }), 201);
        const [invitation] = await invitationsOf(helper);
        ok(await helper.request('POST', `/invitations/${invitation!.id}`, { response: 'accept' }), 201);
        const bob = await signIn('bob');

        answered(await alice.request('POST', `/chat/${chatId}/transfer`, { transfer: { agent: { id: BOB } } }), 200);
        assert.equal(await visitor.state(chatId), 'waiting');
        assert.deepEqual(await whoIsIn(sup, chatId), ['Sup:assistant', 'Lis:listener', 'Helper:assistant']);
        assert.equal((await participantsOf(sup, chatId)).holder, null, 'nobody holds a waiting chat');
        assert.equal(await bob.accept(), chatId);
        assert.deepEqual(await whoIsIn(bob, chatId), ['Sup:assistant', 'Lis:listener', 'Helper:assistant']);
        // They still post under the new holder.
        ok(await post(sup, chatId, 'Still with you.'), 201);
        ok(await post(lis, chatId, 'a tip for Bob', 'ONLY_TO_REP'), 201);
        ok(await post(helper, chatId, 'Me too.'), 201);
        assert.ok(!participantEvents(await bob.events(chatId)).some((event) => event.startsWith('left')));
      });

      it('through a transfer to a skill those not allowed in it leave, its automatic listeners join, invitations close', async () => {
        const { signIn, visitor, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat();
        const sup = await signIn('sup');
        const lis = await signIn('lis');
        const omni = await signIn('omni');
        const suppy = await signIn('suppy');
        const helper = await signIn('helper');
        const carol = await signIn('carol');
        await join(sup, chatId, 'assistant');
        await join(lis, chatId, 'listener');
        await join(omni, chatId, 'assistant');
        // Suppy listens to Support automatically: not to this chat yet.
        const auto = ok<{ autoListen: { skills: string[] } }>(
          await suppy.put('/autoListen', { autoListen: { skills: ['Support'] } }),
        );
        assert.deepEqual(auto.autoListen.skills, [String(SUPPORT)]);
        ok(await alice.request('POST', `/chat/${chatId}/invitations`, { invitation: { agentId: HELPER } }), 201);
        const helperStream = await openStream(helper, '/stream');
        await helperStream.until(
          () => helperStream.of('invitation').some((notice) => notice.state === 'open'),
          'the invitation reaches helper',
        );
        const from = Number((await omni.events(chatId)).at(-1)?.['@id']) + 1;

        answered(
          await alice.request('POST', `/chat/${chatId}/transfer`, { transfer: { skill: { id: String(SUPPORT) } } }),
          200,
        );
        assert.deepEqual(await whoIsIn(omni, chatId), ['Omni:assistant', 'Suppy:listener']);
        assert.deepEqual(participantEvents(await omni.events(chatId, from)), [
          'withdrawn  assistant',
          'left Sup assistant',
          'left Lis listener',
          'joined Suppy listener',
        ]);
        assert.deepEqual(await invitationsOf(helper), []);
        await helperStream.until(
          () => helperStream.of('invitation').some((notice) => notice.state === 'closed'),
          'the invitation closes for helper',
        );
        // Those who left read and post no more; those who stay and joined do.
        assertJsonError(await sup.request('GET', `/chat/${chatId}/events`), 403, 43);
        assertJsonError(await post(lis, chatId, 'tip', 'ONLY_TO_REP'), 403, 43);
        ok(await post(suppy, chatId, 'a Support tip', 'ONLY_TO_REP'), 201);

        // The visitor saw the assistant Sup leave (line 31), nothing of the listeners.
        assert.equal(await carol.accept(), chatId);
        const seen = await visitor.events(chatId);
        const systemLines = seen.filter((event) => event.source === 'system');
        assert.deepEqual(systemLines.map((event) => String(event.systemMessageId)).slice(-5), [
          '30',
          '30',
          '15',
          '31',
          '3',
        ]);
        assert.equal(systemLines.at(-2)?.text, 'Sup has left the chat.');
        assert.ok(!JSON.stringify(seen).includes('Lis') && !JSON.stringify(seen).includes('Suppy'));
      });

      it('a ring timeout and a requeue when the holder logs out keep the participants', async () => {
        const { signIn, agents, visitor, aliceChat } = await sharedAccount(server);
        const { alice, aliceLogin, chatId } = await aliceChat();
        const sup = await signIn('sup');
        const lis = await signIn('lis');
        await join(sup, chatId, 'assistant');
        await join(lis, chatId, 'listener');
        const bob = await signIn('bob');

        // Transferred to bob, who lets it ring out: bob goes Away, the chat waits again.
        answered(await alice.request('POST', `/chat/${chatId}/transfer`, { transfer: { agent: { id: BOB } } }), 200);
        assert.equal(await bob.ringingCount(), '1');
        await advance(20 * SECOND);
        assert.equal(await bob.availability(), 'Away');
        assert.ok(summary(await visitor.events(chatId)).includes('system:23'));
        assert.deepEqual(await whoIsIn(sup, chatId), ['Sup:assistant', 'Lis:listener']);

        // Alice takes it back and logs out: it is requeued to bob, and they stay.
        await alice.setAvailability('Online');
        assert.equal(await alice.accept(), chatId);
        await bob.setAvailability('Online');
        assert.equal((await agents.logout(aliceLogin)).status, 200);
        await eventually('the chat waits again', async () => (await visitor.state(chatId)) === 'waiting');
        assert.deepEqual(await whoIsIn(lis, chatId), ['Sup:assistant', 'Lis:listener']);
        await eventually('the requeued chat rings at bob', async () => (await bob.ringingCount()) === '1');
        assert.equal(await bob.accept(), chatId);
        assert.deepEqual(await whoIsIn(bob, chatId), ['Sup:assistant', 'Lis:listener']);
        ok(await post(sup, chatId, 'Bob is here now.'), 201);
      });
    });

    describe("a participant's agent session ending", () => {
      it('logout and the idle timeout make it leave, with line 31 for an assistant', async () => {
        const { signIn, agents, visitor, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat();
        const supLogin = await agents.signIn('sup', 'sup-pass');
        const sup = supLogin.session;
        const omni = await signIn('omni');
        const lis = await signIn('lis');
        await join(sup, chatId, 'assistant');
        await join(omni, chatId, 'assistant');
        await join(lis, chatId, 'listener');
        const from = Number((await alice.events(chatId)).at(-1)?.['@id']) + 1;

        assert.equal((await agents.logout(supLogin.login)).status, 200);
        await eventually('sup leaves', async () => !(await whoIsIn(alice, chatId)).includes('Sup:assistant'));
        assert.deepEqual(participantEvents(await alice.events(chatId, from)), ['left Sup assistant']);

        // Omni and lis stop asking; alice and the visitor go on. 400 s later their sessions end.
        await advance(200 * SECOND);
        await alice.say(chatId, 'Anything else?');
        await visitor.say(chatId, 'No.');
        await advance(200 * SECOND);
        assert.deepEqual(await whoIsIn(alice, chatId), []);
        assert.deepEqual(participantEvents(await alice.events(chatId, from)).sort(), [
          'left Lis listener',
          'left Omni assistant',
          'left Sup assistant',
        ]);
        const leftLines = (await visitor.events(chatId))
          .filter((event) => event.systemMessageId === 31 || event.systemMessageId === '31')
          .map((event) => event.text);
        assert.deepEqual(leftLines.sort(), ['Omni has left the chat.', 'Sup has left the chat.']);
        assert.equal(await visitor.state(chatId), 'chatting');
      });
    });

    describe('the chat ending', () => {
      it('by the interaction timeout: participants read to the end, their stream says ended, they post no more', async () => {
        const { signIn, visitor, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat({ interactionTimeout: 40 });
        const sup = await signIn('sup');
        const lis = await signIn('lis');
        await join(sup, chatId, 'assistant');
        await join(lis, chatId, 'listener');
        const supStream = await openStream(sup, '/stream');
        await supStream.until(
          () => supStream.of('participation').some((notice) => notice.chatId === chatId && notice.state === 'joined'),
          'sup is told it is in the chat',
        );

        await advance(40 * SECOND);
        assert.equal(await visitor.state(chatId), 'ended');
        await supStream.until(
          () => supStream.of('participation').some((notice) => notice.chatId === chatId && notice.state === 'ended'),
          'sup is told the chat ended',
        );
        for (const participant of [sup, lis]) {
          const events = await participant.events(chatId);
          assert.deepEqual(summary(events).slice(-2), ['system:6', 'state:ended']);
          assert.deepEqual(
            events.map((event) => event['@id']),
            (await alice.events(chatId)).map((event) => event['@id']),
          );
          assertJsonError(await post(participant, chatId, 'late tip', 'ONLY_TO_REP'), 400, 5);
        }
        assertJsonError(await post(sup, chatId, 'late line'), 400, 5);
        // They stay on its list.
        assert.deepEqual(await whoIsIn(lis, chatId), ['Sup:assistant', 'Lis:listener']);
      });
    });

    describe('invitations', () => {
      it('by skill: the first answer closes it for everyone, as the session streams tell', async () => {
        const { signIn, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat();
        const bob = await signIn('bob');
        const helper = await signIn('helper');
        const bobStream = await openStream(bob, '/stream');
        const helperStream = await openStream(helper, '/stream');

        const invited = await alice.request('POST', `/chat/${chatId}/invitations`, {
          invitation: { skillId: SALES, note: 'Refund question' },
        });
        assert.equal(invited.status, 201, invited.text);
        const location = invited.header('location') ?? '';
        const id = location.slice(location.lastIndexOf('/') + 1);
        assert.ok(id.startsWith(`${chatId}.`), location);
        for (const stream of [bobStream, helperStream]) {
          await stream.until(
            () => stream.of('invitation').some((notice) => notice.id === id && notice.state === 'open'),
            'the invitation reaches each agent of the skill',
          );
          const [notice] = stream.of('invitation');
          assert.equal(notice?.chatId, chatId);
          assert.equal(notice?.invitedBy, 'Alice');
          assert.equal(notice?.note, 'Refund question');
          assert.equal(notice?.skill, 'Sales');
        }
        const holderView = ok<{ invitation: { state: string; skillId: string; agentId: string } }>(
          await alice.request('GET', `/chat/${chatId}/invitations/${id}`),
        ).invitation;
        assert.deepEqual([holderView.state, holderView.skillId, holderView.agentId], ['open', String(SALES), '']);
        assert.deepEqual(
          (await invitationsOf(bob)).map((invitation) => invitation.id),
          [id],
        );

        ok(await helper.request('POST', `/invitations/${id}`, { response: 'accept' }), 201);
        await bobStream.until(
          () => bobStream.of('invitation').some((notice) => notice.id === id && notice.state === 'closed'),
          'the invitation closes for bob',
        );
        await helperStream.until(
          () =>
            helperStream
              .of('participation')
              .some((notice) => notice.chatId === chatId && notice.role === 'assistant' && notice.state === 'joined'),
          'helper is told it joined',
        );
        assert.deepEqual(await invitationsOf(bob), []);
        assertJsonError(await bob.request('POST', `/invitations/${id}`, { response: 'accept' }), 404, 42);
        assertJsonError(await alice.request('GET', `/chat/${chatId}/invitations/${id}`), 404, 42);
        const events = (await alice.events(chatId)).filter((event) => event['@type'] === 'participant');
        assert.deepEqual(
          events.map((event) => [event.action, event.invitationId, event.agentId]),
          [
            ['invited', id, ''],
            ['joined', id, String(HELPER)],
          ],
        );
        // An invitation to a skill names it (its agentId is empty).
        assert.equal((events[0] as (WireEvent & { skillId?: string }) | undefined)?.skillId, String(SALES));
        assert.deepEqual(await whoIsIn(alice, chatId), ['Helper:assistant']);
      });

      it('declined and withdrawn: the holder reads each as an event', async () => {
        const { signIn, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat();
        const bob = await signIn('bob');
        const bobStream = await openStream(bob, '/stream');
        const invite = async () => {
          const invited = ok<{ invitationLocation: { link: { '@href': string } } }>(
            await alice.request('POST', `/chat/${chatId}/invitations`, { invitation: { agentId: String(BOB) } }),
            201,
          );
          const href = invited.invitationLocation.link['@href'];
          return href.slice(href.lastIndexOf('/') + 1);
        };
        const from = Number((await alice.events(chatId)).at(-1)?.['@id']) + 1;

        const first = await invite();
        assert.equal((await bob.request('POST', `/invitations/${first}`, { response: 'decline' })).status, 204);
        const second = await invite();
        assert.deepEqual(
          (await participantsOf(alice, chatId)).invitation.map((invitation) => invitation.id),
          [second],
        );
        assert.equal((await alice.request('DELETE', `/chat/${chatId}/invitations/${second}`)).status, 204);
        assertJsonError(await alice.request('GET', `/chat/${chatId}/invitations/${second}`), 404, 42);
        assert.deepEqual(await invitationsOf(bob), []);

        const events = (await alice.events(chatId, from)).filter((event) => event['@type'] === 'participant');
        assert.deepEqual(
          events.map((event) => `${String(event.action)} ${String(event.invitationId)} by ${String(event.by)}`),
          [
            `invited ${first} by Alice`,
            `declined ${first} by Bob`,
            `invited ${second} by Alice`,
            `withdrawn ${second} by Alice`,
          ],
        );
        await bobStream.until(
          () => bobStream.of('invitation').filter((notice) => notice.state === 'closed').length === 2,
          'both invitations close for bob',
        );
        assert.deepEqual(
          bobStream.of('invitation').map((notice) => `${String(notice.id)} ${String(notice.state)}`),
          [`${first} open`, `${first} closed`, `${second} open`, `${second} closed`],
        );
        assert.deepEqual(await whoIsIn(alice, chatId), []);
      });
    });

    describe('taking over', () => {
      it('the former holder is told transferred; the visitor sees lines 13 then 3; the new holder holds it', async () => {
        const { signIn, visitor, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat();
        const sup = await signIn('sup');
        const lis = await signIn('lis');
        await join(sup, chatId, 'listener');
        await join(lis, chatId, 'listener');
        const aliceStream = await openStream(alice, '/stream');
        const supStream = await openStream(sup, '/stream');
        await aliceStream.until(
          () => aliceStream.of('chat').some((notice) => notice.chatId === chatId),
          'alice is told she holds the chat',
        );

        const taken = ok<{ chatLocation: { link: { '@href': string } } }>(
          await sup.request('POST', `/chat/${chatId}/takeOver`, {}),
          200,
        );
        assert.ok(taken.chatLocation.link['@href'].endsWith(`/agentSession/${sup.id}/chat/${chatId}`));
        await aliceStream.until(
          () => aliceStream.of('chat').some((notice) => notice.chatId === chatId && notice.state === 'transferred'),
          'alice is told the chat left her',
        );
        await supStream.until(
          () => supStream.of('participation').some((notice) => notice.chatId === chatId && notice.state === 'holder'),
          'sup is told it holds the chat',
        );

        assert.deepEqual(summary(await visitor.events(chatId)).slice(-2), ['system:13', 'system:3']);
        assert.equal((await visitor.events(chatId)).at(-1)?.text, 'You are now chatting with Sup.');
        assert.deepEqual(participantEvents(await sup.events(chatId)).slice(-1), ['tookOver Sup listener']);
        const view = await participantsOf(lis, chatId);
        assert.deepEqual(view.holder, { agentId: String(SUP), agentName: 'Sup' });
        assert.deepEqual(await whoIsIn(lis, chatId), ['Lis:listener']);
        const live = ok<{ liveChats: { chat: { chatId: string; agentId: string; joinedAs: string }[] } }>(
          await sup.request('GET', '/liveChats'),
        ).liveChats.chat.find((chat) => chat.chatId === chatId);
        assert.deepEqual([live?.agentId, live?.joinedAs], [String(SUP), '']);

        // Sup does what only the holder does; alice does nothing of it any more.
        answered(await sup.put(`/chat/${chatId}/info/agentTyping`, { agentTyping: 'typing' }), 200);
        ok(await post(sup, chatId, 'Sup here.'), 201);
        assertJsonError(await post(alice, chatId, 'mine?'), 403, 43);
        assertJsonError(await alice.request('GET', `/chat/${chatId}/participants`), 403, 43);
        await sup.end(chatId);
        assert.equal(await visitor.state(chatId), 'ended');
      });
    });

    describe('the live chats list', () => {
      it('a long-poll with seen is held until the list changes; without seen it answers at once', async () => {
        const { signIn, visitor, aliceChat } = await sharedAccount(server);
        const { chatId } = await aliceChat();
        const sup = await signIn('sup');
        type Live = {
          liveChats: {
            version: string;
            link: { '@rel': string; '@href': string }[];
            chat: { chatId: string; participants: number; joinedAs: string }[];
          };
        };
        const first = ok<Live>(await sup.request('GET', '/liveChats')).liveChats;
        assert.deepEqual(
          first.chat.map((chat) => chat.chatId),
          [chatId],
        );
        const next = first.link.find((link) => link['@rel'] === 'next')?.['@href'] ?? '';
        assert.ok(next.endsWith(`/liveChats?seen=${first.version}`), next);

        let isAnswered = false;
        const held = sup.request('GET', `/liveChats?wait=60&seen=${first.version}`).then((response) => {
          isAnswered = true;
          return response;
        });
        // Asked without seen (or with a version that is not the current one), it answers at once.
        const again = ok<Live>(await sup.request('GET', '/liveChats?wait=60')).liveChats;
        assert.equal(again.version, first.version);
        assert.equal(
          ok<Live>(await sup.request('GET', '/liveChats?wait=60&seen=stale')).liveChats.version,
          first.version,
        );
        assert.equal(isAnswered, false, 'the long-poll is held while nothing changes');

        // A change to the list answers it: omni joins the chat.
        const omni = await signIn('omni');
        await join(omni, chatId, 'listener');
        const changed = ok<Live>(await held).liveChats;
        assert.notEqual(changed.version, first.version);
        assert.deepEqual(
          changed.chat.map((chat) => [chat.chatId, chat.participants, chat.joinedAs]),
          [[chatId, 1, '']],
        );

        // Held again on the new version, a new chat answers it.
        const heldAgain = sup.request('GET', `/liveChats?wait=60&seen=${changed.version}`);
        server.clock.advance(SECOND);
        const newChat = await visitor.start({ skill: 'Sales', interactionTimeout: 86_400 });
        const listed = ok<Live>(await heldAgain).liveChats;
        assert.deepEqual(
          listed.chat.map((chat) => chat.chatId),
          [chatId, newChat],
        );
      });

      it('its stream sends chat for each entry, synced, then chat on a change and gone when a chat leaves it', async () => {
        const { signIn, visitor, aliceChat } = await sharedAccount(server);
        const { alice, chatId } = await aliceChat();
        server.clock.advance(SECOND);
        const other = await aliceChat();
        assert.equal(other.chatId === chatId, false);
        const sup = await signIn('sup');
        const stream = await openStream(sup, '/liveChats');
        await stream.until(() => stream.of('synced').length === 1, 'the list is synced');
        assert.deepEqual(
          stream.messages.map((message) => [message.event, message.data.chatId ?? message.data.count]),
          [
            ['chat', chatId],
            ['chat', other.chatId],
            ['synced', 2],
          ],
        );
        const [entry] = stream.of('chat');
        assert.equal(entry?.agentName, 'Alice');
        assert.equal(entry?.skill, 'Sales');
        assert.equal(entry?.state, 'chatting');

        // A change to an entry: sup joins the first chat.
        await join(sup, chatId, 'listener');
        await stream.until(
          () => stream.of('chat').some((chat) => chat.chatId === chatId && chat.joinedAs === 'listener'),
          'the entry changes',
        );
        // One chat ends, the other is transferred out of sup's skills: both are gone.
        await alice.end(chatId);
        await signIn('carol');
        answered(
          await other.alice.request('POST', `/chat/${other.chatId}/transfer`, {
            transfer: { skill: { id: String(SUPPORT) } },
          }),
          200,
        );
        await stream.until(() => stream.of('gone').length === 2, 'both chats are gone');
        assert.deepEqual(
          stream.of('gone').map((gone) => gone.chatId),
          [chatId, other.chatId],
        );
        // A new chat of Sales is told as it starts.
        const third = await visitor.start({ skill: 'Sales', interactionTimeout: 86_400 });
        await stream.until(() => stream.of('chat').some((chat) => chat.chatId === third), 'the new chat is told');
        const told = stream.of('chat').find((chat) => chat.chatId === third);
        assert.equal(told?.agentName, '');
      });
    });
  });
}

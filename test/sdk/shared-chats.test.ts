import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AgentClient,
  ParleyError,
  VisitorClient,
  type AgentChat,
  type ChatEvent,
  type LiveChat,
  type LiveChatsUpdate,
} from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { collect, describeRequest, hasLine, startSdkServer } from '../support/sdk.js';

/** Users beside accountSeed()'s alice (agent, Sales, 3 chats): a listening bot, an assisting bot, a lead. */
const sharingUsers = [
  {
    id: 2004,
    loginName: 'tip-bot',
    password: 'tip-bot-pass',
    nickname: 'TipBot',
    role: 'agent',
    skills: ['Sales', 'Support'],
    maxChats: 0,
    listen: 'all',
  },
  {
    id: 2005,
    loginName: 'assist-bot',
    password: 'assist-bot-pass',
    nickname: 'AssistBot',
    role: 'agent',
    skills: ['Sales', 'Support'],
    maxChats: 0,
  },
  {
    id: 2006,
    loginName: 'lead',
    password: 'lead-pass',
    nickname: 'Lead',
    role: 'agent',
    skills: ['Sales'],
    maxChats: 1,
    assist: ['Sales'],
  },
];

const isRefusal = (status: number, code: number) => (error: unknown) =>
  error instanceof ParleyError && error.status === status && error.code === code;

const participantEvents = (events: ChatEvent[]) => events.filter((event) => event.type === 'participant');

for (const target of await databaseTargets()) {
  describe(`the SDK shares chats on ${target.name}`, { skip: target.unavailable }, () => {
    let fixture: Awaited<ReturnType<typeof startSdkServer>>;
    let alice: AgentClient;

    before(async () => {
      fixture = await startSdkServer(target, {}, sharingUsers);
      alice = await AgentClient.login({ ...server(), username: 'alice', password: 'alice-pass' });
      await alice.setAvailability('Online');
    });
    after(async () => {
      await alice.logout();
      await fixture.close();
    });

    const server = () => ({ baseUrl: fixture.baseUrl, accountId: fixture.accountId });
    /** A bot or lead logged in, Away (nothing is routed to it). */
    const logIn = async (username: string, options: { events?: { transport: 'long-poll' } } = {}) => {
      const agent = await AgentClient.login({ ...server(), username, password: `${username}-pass`, ...options });
      await agent.setAvailability('Away');
      return agent;
    };
    /** A Sales chat alice holds, the visitor and alice following its events. */
    const heldChat = async (visitorName: string) => {
      const visitor = await VisitorClient.startChat({
        ...server(),
        appKey: fixture.appKey,
        skill: 'Sales',
        visitorName,
        keepAliveMs: 0,
      });
      const chat = await alice.acceptNext();
      assert.equal(chat?.id, visitor.id, `alice took ${visitorName}'s chat`);
      const visitorFeed = collect(visitor.events());
      const aliceFeed = collect(chat!.events());
      return { visitor, chat: chat!, visitorFeed, aliceFeed };
    };

    it('listen() joins the live chats of its skills and those that start, yields them, and stops joining when stopped', async () => {
      const tip = await logIn('tip-bot');
      const live = await heldChat('Mia');
      const stop = new AbortController();
      const listened = collect(tip.listen({ skills: ['Sales'], signal: stop.signal }));
      await listened.until((chats) => chats.some((chat) => chat.id === live.chat.id), 'the live chat, joined at once');

      const starting = await VisitorClient.startChat({
        ...server(),
        appKey: fixture.appKey,
        skill: 'Sales',
        visitorName: 'Noah',
        keepAliveMs: 0,
      });
      await listened.until((chats) => chats.some((chat) => chat.id === starting.id), 'the chat that started');
      assert.deepEqual(
        listened.items.map((chat) => chat.role),
        ['listener', 'listener'],
      );
      assert.equal(new Set(listened.items.map((chat) => chat.id)).size, 2, 'each chat once');

      // The listener reads the chat, its own joining included; the holder reads that it joined.
      const listener = listened.items.find((chat) => chat.id === live.chat.id)!;
      const listenerFeed = collect(listener.events());
      await live.visitor.sendLine('is anyone there?');
      await listenerFeed.until((events) => hasLine(events, 'visitor', 'is anyone there?'), 'the visitor line');
      const joined = participantEvents(listenerFeed.items).find((event) => event.action === 'joined');
      assert.equal(joined?.role, 'listener');
      assert.equal(joined?.agentName, 'TipBot');
      assert.equal(joined?.agentId, 2004);
      await live.aliceFeed.until(
        (events) => participantEvents(events).some((event) => event.action === 'joined' && event.agentId === 2004),
        'alice reads that TipBot joined',
      );
      const participants = await live.chat.participants();
      assert.deepEqual(participants.holder, { agentId: 2001, agentName: 'Alice' });
      assert.deepEqual(
        participants.participants.map(({ agentId, agentName, role }) => ({ agentId, agentName, role })),
        [{ agentId: 2004, agentName: 'TipBot', role: 'listener' }],
      );
      assert.equal(participants.participants[0]!.id, tip.agentSessionId);

      // Stopping the iteration stops joining (DELETE autoListen): a chat that starts now is not joined.
      stop.abort();
      await listened.done;
      const later = await VisitorClient.startChat({
        ...server(),
        appKey: fixture.appKey,
        skill: 'Sales',
        visitorName: 'Olga',
        keepAliveMs: 0,
      });
      const entry = (await tip.listLiveChats()).find((chat) => chat.chatId === later.id);
      assert.equal(entry?.joinedAs, null);
      assert.equal(entry?.state, 'waiting');

      await live.chat.end();
      await listenerFeed.done;
      assert.equal(listenerFeed.items.at(-1)?.state, 'ended', 'the listener reads the chat to its end');
      await starting.end();
      await later.end();
      live.visitor.close();
      await tip.logout();
    });

    it('a suggestion reaches the holder with its suggested reply, and the visitor never sees it', async () => {
      const tip = await logIn('tip-bot');
      const { visitor, chat, visitorFeed, aliceFeed } = await heldChat('Phil');
      const listener = await tip.join(chat.id);
      assert.equal(listener.role, 'listener');

      const reply = 'I can see order 12345 — let me look it up for you.';
      const suggestionId = await listener.suggest(reply, { note: 'The visitor mentions order 12345.' });
      const whisperId = await listener.sendLine('a whisper for Alice', { audience: 'agents' });
      // A listener does not talk to the visitor.
      await assert.rejects(listener.sendLine('hello visitor'), isRefusal(403, 43));
      await assert.rejects(listener.end(), isRefusal(403, 43));

      await aliceFeed.until((events) => events.some((event) => event.id === whisperId), 'the whisper');
      const suggestion = aliceFeed.items.find((event) => event.id === suggestionId);
      assert.equal(suggestion?.type, 'line');
      assert.equal(suggestion?.text, 'The visitor mentions order 12345.');
      assert.equal(suggestion?.suggestedReply, reply);
      assert.equal(suggestion?.subType, 'ONLY_TO_REP');
      assert.equal(suggestion?.participantRole, 'listener');
      assert.equal(suggestion?.agentId, 2004);
      const whisper = aliceFeed.items.find((event) => event.id === whisperId);
      assert.equal(whisper?.text, 'a whisper for Alice');
      assert.equal(whisper?.subType, 'ONLY_TO_REP');
      assert.equal(whisper?.suggestedReply, undefined);

      // The visitor's own later line arrives after them: had they reached the visitor, they would be here.
      await visitor.sendLine('thanks');
      await visitorFeed.until((events) => hasLine(events, 'visitor', 'thanks'), 'the visitor’s own line');
      const history = await visitor.history();
      for (const seen of [visitorFeed.items, history]) {
        assert.ok(!seen.some((event) => event.id === suggestionId || event.id === whisperId));
        assert.ok(!seen.some((event) => event.subType === 'ONLY_TO_REP' || event.suggestedReply !== undefined));
        assert.deepEqual(participantEvents(seen), []);
      }

      await listener.leave();
      await chat.end();
      visitor.close();
      await tip.logout();
    });

    it('an invitation reaches the invitee, who joins as an assistant, talks to the visitor, tips the holder and leaves', async () => {
      const assistant = await logIn('assist-bot');
      const stop = new AbortController();
      const invitations = collect(assistant.invitations({ signal: stop.signal }));
      const { visitor, chat, visitorFeed, aliceFeed } = await heldChat('Rosa');

      const sent = await chat.invite({ user: 'assist-bot' }, { note: 'Can you find her order?' });
      await invitations.until((items) => items.some((item) => item.id === sent.id), 'the invitation');
      const invitation = invitations.items.find((item) => item.id === sent.id)!;
      assert.equal(invitation.chatId, chat.id);
      assert.equal(invitation.skill, 'Sales');
      assert.equal(invitation.visitorName, 'Rosa');
      assert.equal(invitation.invitedBy, 'Alice');
      assert.equal(invitation.note, 'Can you find her order?');
      assert.deepEqual(
        (await chat.participants()).invitations.map(({ id, agentId, invitedBy }) => ({ id, agentId, invitedBy })),
        [{ id: sent.id, agentId: 2005, invitedBy: 'Alice' }],
      );

      const assisting = await invitation.accept();
      assert.equal(assisting.role, 'assistant');
      assert.equal(assisting.id, chat.id);
      const joinedAt = await assisting.sendLine("Hi, I'm AssistBot. What is your order number?");
      await visitorFeed.until(
        (events) => hasLine(events, 'agent', "Hi, I'm AssistBot. What is your order number?"),
        'the assistant’s line',
      );
      assert.ok(
        visitorFeed.items.some((event) => event.systemMessageId === 30),
        'system line 30: it joined',
      );
      assert.equal(visitorFeed.items.find((event) => event.id === joinedAt)?.by, 'AssistBot');
      const participants = await chat.participants();
      assert.deepEqual(
        participants.participants.map(({ agentId, role }) => ({ agentId, role })),
        [{ agentId: 2005, role: 'assistant' }],
      );
      assert.deepEqual(participants.invitations, [], 'the invitation closed when accepted');

      await visitor.sendLine('it is 12345');
      const tipId = await assisting.sendLine('Order number: 12345', { audience: 'agents' });
      await aliceFeed.until((events) => events.some((event) => event.id === tipId), 'the tip');
      const tip = aliceFeed.items.find((event) => event.id === tipId);
      assert.equal(tip?.participantRole, 'assistant');
      assert.equal(tip?.subType, 'ONLY_TO_REP');
      assert.ok(
        participantEvents(aliceFeed.items).some((event) => event.action === 'joined' && event.role === 'assistant'),
      );

      await assisting.leave();
      await visitorFeed.until(
        (events) => events.some((event) => event.systemMessageId === 31),
        'system line 31: it left',
      );
      assert.ok(!visitorFeed.items.some((event) => event.id === tipId), 'the visitor never sees the tip');
      await aliceFeed.until(
        (events) => participantEvents(events).some((event) => event.action === 'left' && event.agentId === 2005),
        'alice reads that it left',
      );
      assert.deepEqual((await chat.participants()).participants, []);

      // An invitation withdrawn, and one declined: both close, and the holder reads the decline.
      const withdrawn = await chat.invite({ user: 2005 });
      await withdrawn.withdraw();
      assert.deepEqual((await chat.participants()).invitations, []);
      const declined = await chat.invite({ skill: 'Sales' });
      await invitations.until((items) => items.some((item) => item.id === declined.id), 'the skill invitation');
      await invitations.items.find((item) => item.id === declined.id)!.decline();
      await aliceFeed.until(
        (events) =>
          participantEvents(events).some((event) => event.action === 'declined' && event.invitationId === declined.id),
        'alice reads the decline',
      );

      stop.abort();
      await invitations.done;
      await chat.end();
      visitor.close();
      await assistant.logout();
    });

    it('a participant with the assist permission takes the chat over and holds it from then on', async () => {
      const lead = await logIn('lead');
      const { visitor, chat, visitorFeed } = await heldChat('Sven');
      const joined = await lead.join(chat.id, { role: 'assistant' });
      assert.equal(joined.role, 'assistant');
      await joined.takeOver();
      assert.equal(joined.role, 'holder');

      await visitorFeed.until((events) => {
        const thirteen = events.findIndex((event) => event.systemMessageId === 13);
        return thirteen >= 0 && events.slice(thirteen).some((event) => event.systemMessageId === 3);
      }, 'system line 13, then 3 naming the new agent');
      assert.ok(visitorFeed.items.some((event) => event.systemMessageId === 3 && event.text?.includes('Lead')));
      assert.ok(!(await alice.heldChats()).some((held) => held.id === chat.id), 'alice lost it');
      assert.ok(
        (await lead.heldChats()).some((held) => held.id === chat.id),
        'lead holds it',
      );
      assert.equal((await joined.participants()).holder?.agentName, 'Lead');

      // Only a participant takes over: alice is neither now.
      await assert.rejects(chat.takeOver(), isRefusal(403, 43));
      await joined.end();
      await visitorFeed.done;
      assert.equal(visitorFeed.items.at(-1)?.state, 'ended');
      visitor.close();
      await lead.logout();
    });

    it('a listener without the assist permission may not take over, nor join as an assistant', async () => {
      const tip = await logIn('tip-bot');
      const { visitor, chat } = await heldChat('Ida');
      await assert.rejects(tip.join(chat.id, { role: 'assistant' }), isRefusal(403, 43));
      const listener = await tip.join(chat.id);
      await assert.rejects(listener.takeOver(), isRefusal(403, 43));
      assert.equal(listener.role, 'listener');
      await listener.leave();
      await chat.end();
      visitor.close();
      await tip.logout();
    });

    it('a suggestion whose answer was lost is sent again with the same Idempotency-Key and posted once', async () => {
      const keys: (string | null)[] = [];
      let isLost = false;
      const losing: typeof fetch = async (input, init) => {
        const { url, method, headers } = describeRequest(input, init);
        const response = await fetch(input, init);
        if (method !== 'POST' || !/\/chat\/[^/]+\/events/.test(url)) return response;
        keys.push(headers.get('idempotency-key'));
        if (isLost) return response;
        // The server applied it; the answer never reaches the client.
        isLost = true;
        await response.arrayBuffer();
        throw new TypeError('fetch failed');
      };
      const tip = await AgentClient.login({
        ...server(),
        username: 'tip-bot',
        password: 'tip-bot-pass',
        fetch: losing,
        sleep: () => Promise.resolve(),
      });
      const { visitor, chat } = await heldChat('Lena');
      const listener = await tip.join(chat.id);
      const id = await listener.suggest('Happy to help with your refund.');
      assert.equal(keys.length, 2);
      assert.ok(keys[0] !== null && keys[0] === keys[1], 'one key for both attempts');
      const suggestions = (await chat.history()).filter((event) => event.suggestedReply !== undefined);
      assert.deepEqual(
        suggestions.map((event) => [event.id, event.suggestedReply]),
        [[id, 'Happy to help with your refund.']],
      );
      await listener.leave();
      await chat.end();
      visitor.close();
      await tip.logout();
    });

    for (const transport of ['sse', 'long-poll'] as const) {
      it(`liveChats() yields the list, then each change, then the chats gone (${transport})`, async () => {
        const tip = await logIn('tip-bot', transport === 'long-poll' ? { events: { transport } } : {});
        const stop = new AbortController();
        const feed = collect(tip.liveChats({ skill: 'Sales', signal: stop.signal }));
        await feed.until((items) => items.length > 0, 'the first list');
        assert.equal(feed.items[0]?.type, 'synced');
        const before = new Set(
          (feed.items[0] as Extract<LiveChatsUpdate, { type: 'synced' }>).chats.map((chat) => chat.chatId),
        );

        const visitor = await VisitorClient.startChat({
          ...server(),
          appKey: fixture.appKey,
          skill: 'Sales',
          visitorName: 'Uma',
          keepAliveMs: 0,
        });
        assert.ok(!before.has(visitor.id));
        const entriesOf = (items: LiveChatsUpdate[]) =>
          items.flatMap((item) => (item.type === 'chat' && item.chat.chatId === visitor.id ? [item.chat] : []));
        // The visitor's name comes with a request of its own, after the chat request.
        const isUmaWaiting = (chat: LiveChat) => chat.state === 'waiting' && chat.visitorName === 'Uma';
        await feed.until((items) => entriesOf(items).some(isUmaWaiting), 'the waiting chat, named');
        const waiting = entriesOf(feed.items).find(isUmaWaiting)!;
        assert.equal(waiting.skill, 'Sales');
        assert.equal(waiting.skillId, 1001);
        assert.equal(waiting.visitorName, 'Uma');
        assert.equal(waiting.agentId, null);
        assert.equal(waiting.agentName, null);
        assert.equal(typeof waiting.queuedAt, 'number');
        assert.equal(waiting.joinedAs, null);

        const chat: AgentChat | null = await alice.acceptNext();
        assert.equal(chat?.id, visitor.id);
        await feed.until((items) => entriesOf(items).some((entry) => entry.state === 'chatting'), 'the chat held');
        const held = entriesOf(feed.items).find((entry) => entry.state === 'chatting')!;
        assert.equal(held.agentId, 2001);
        assert.equal(held.agentName, 'Alice');
        assert.equal(held.queuedAt, null);

        await chat!.end();
        await feed.until(
          (items) => items.some((item) => item.type === 'gone' && item.chatId === visitor.id),
          'the chat gone',
        );
        assert.deepEqual(
          (await tip.listLiveChats({ skill: 'Sales' })).filter((entry) => entry.chatId === visitor.id),
          [],
        );
        stop.abort();
        await feed.done;
        assert.equal(feed.state.error, undefined);
        visitor.close();
        await tip.logout();
      });
    }
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, parseChatEvent, type LiveChat } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { collect, describeRequest, startSdkServer } from '../support/sdk.js';

/** A request the fake saw: its method (the override when there is one), URL and body. */
interface Seen {
  method: string;
  url: string;
  body: unknown;
}

/** An SSE answer with these messages that stays open until the client lets go (or ends, if asked). */
function eventStream(messages: string[], init: RequestInit | undefined, isEnded = false): Response {
  const text = messages.map((message) => `${message}\n\n`).join('');
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      if (isEnded) return controller.close();
      const signal = init?.signal;
      signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

const json = (body: unknown, status = 200): Response =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** An answer that never comes: a long-poll held until the client aborts. */
const held = (init: RequestInit | undefined): Promise<Response> =>
  new Promise((_, reject) => {
    init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error), { once: true });
  });

/**
 * A fetch that answers the shared chats resources through `route` (undefined: the real server),
 * recording what it answered.
 */
function fakeSharing(route: (seen: Seen, init: RequestInit | undefined) => Response | Promise<Response> | undefined) {
  const seen: Seen[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const { url, method, headers } = describeRequest(input, init);
    const request: Seen = {
      method: headers.get('x-http-method-override') ?? method,
      url,
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    const answer = route(request, init);
    if (answer === undefined) return fetch(input, init);
    seen.push(request);
    return answer;
  };
  return { fetch: fetchImpl, seen };
}

const entry = (chatId: string, changes: Record<string, unknown> = {}) => ({
  chatId,
  state: 'chatting',
  skillId: '1001',
  skill: 'Sales',
  visitorName: 'Mia',
  agentId: '2001',
  agentName: 'Alice',
  startTime: '2026-12-06T10:00:00.000+00:00',
  queuedAt: '',
  lastLineTime: '',
  participants: 0,
  joinedAs: '',
  ...changes,
});

const typed = (chatId: string, changes: Partial<LiveChat> = {}): LiveChat => ({
  chatId,
  state: 'chatting',
  skillId: 1001,
  skill: 'Sales',
  visitorName: 'Mia',
  agentId: 2001,
  agentName: 'Alice',
  startTime: Date.parse('2026-12-06T10:00:00.000Z'),
  queuedAt: null,
  lastLineTime: null,
  participants: 0,
  joinedAs: null,
  ...changes,
});

const message = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}`;

const [target] = await databaseTargets();

describe('the SDK reads the shared chats resources as the document words them', () => {
  let fixture: Awaited<ReturnType<typeof startSdkServer>>;
  before(async () => {
    fixture = await startSdkServer(target!);
  });
  after(() => fixture.close());

  const logIn = (fetchImpl: typeof fetch, options: { events?: { transport: 'long-poll' } } = {}) =>
    AgentClient.login({
      baseUrl: fixture.baseUrl,
      accountId: fixture.accountId,
      username: 'alice',
      password: 'alice-pass',
      fetch: fetchImpl,
      ringPollIntervalMs: 10,
      ...options,
    });

  it('reads participant events and the new line fields, and leaves empty values out', () => {
    assert.deepEqual(
      parseChatEvent({
        '@id': 12,
        '@type': 'participant',
        time: '2026-12-06T10:01:00.000+00:00',
        action: 'joined',
        role: 'listener',
        agentId: '2002',
        agentName: 'Bob',
        by: 'Bob',
        subType: 'ONLY_TO_REP',
      }),
      {
        id: 12,
        type: 'participant',
        time: '2026-12-06T10:01:00.000+00:00',
        action: 'joined',
        role: 'listener',
        agentId: 2002,
        agentName: 'Bob',
        by: 'Bob',
        subType: 'ONLY_TO_REP',
      },
    );
    assert.deepEqual(
      parseChatEvent({
        '@id': '13',
        '@type': 'participant',
        time: 't',
        action: 'invited',
        role: 'assistant',
        agentId: '',
        agentName: '',
        invitationId: 'H1.1',
        skillId: '1002',
      }),
      {
        id: 13,
        type: 'participant',
        time: 't',
        action: 'invited',
        role: 'assistant',
        agentName: '',
        invitationId: 'H1.1',
        skillId: 1002,
      },
    );
    assert.deepEqual(
      parseChatEvent({
        '@id': 14,
        '@type': 'line',
        time: 't',
        text: 'Order 12345',
        textType: 'plain',
        by: 'TipBot',
        source: 'agent',
        subType: 'ONLY_TO_REP',
        participantRole: 'listener',
        agentId: 2004,
        suggestedReply: 'I can see order 12345.',
      }),
      {
        id: 14,
        type: 'line',
        time: 't',
        text: 'Order 12345',
        textType: 'plain',
        by: 'TipBot',
        source: 'agent',
        subType: 'ONLY_TO_REP',
        participantRole: 'listener',
        agentId: 2004,
        suggestedReply: 'I can see order 12345.',
      },
    );
    assert.equal(parseChatEvent({ '@id': 15, '@type': 'somethingNew' }), undefined);
  });

  it('liveChats() gathers the stream’s entries up to synced, then yields each change, and the whole list again after a reconnect', async () => {
    let streams = 0;
    const net = fakeSharing((request, init) => {
      if (!/\/liveChats\?/.test(request.url)) return undefined;
      streams += 1;
      if (streams === 1) {
        return eventStream(
          [
            message('chat', entry('A')),
            message('chat', entry('B', { state: 'waiting', agentId: '', agentName: '', queuedAt: 1700000000000 })),
            message('synced', { count: 2 }),
            message('chat', entry('A', { participants: 1, joinedAs: 'listener' })),
            message('gone', { chatId: 'B' }),
          ],
          init,
          true,
        );
      }
      // After the drop: the list as it is now, one entry wrapped as `{"chat": …}`.
      return eventStream([message('chat', { chat: entry('C') }), message('synced', { count: 1 })], init);
    });
    const agent = await logIn(net.fetch);
    const stop = new AbortController();
    const feed = collect(agent.liveChats({ skill: 'Sales', signal: stop.signal }));
    await feed.until((items) => items.length === 4, 'the list, two changes and the list again');
    stop.abort();
    await feed.done;
    assert.deepEqual(feed.items, [
      {
        type: 'synced',
        chats: [typed('A'), typed('B', { state: 'waiting', agentId: null, agentName: null, queuedAt: 1700000000000 })],
      },
      { type: 'chat', chat: typed('A', { participants: 1, joinedAs: 'listener' }) },
      { type: 'gone', chatId: 'B' },
      { type: 'synced', chats: [typed('C')] },
    ]);
    assert.match(net.seen[0]!.url, /\/liveChats\?skill=Sales&v=1/);
    await agent.logout();
  });

  it('liveChats() long-polls with the version seen when the server does not stream, and works out the changes', async () => {
    const pages = [
      { version: 'v1', chat: [entry('A'), entry('B')] },
      { version: 'v2', chat: [entry('A', { lastLineTime: '2026-12-06T10:02:11.000+00:00' }), entry('C')] },
    ];
    const net = fakeSharing((request, init) => {
      if (/\/liveChats\?/.test(request.url)) return json({ error: { message: 'Not acceptable' } }, 406);
      if (!/\/liveChats\.json\?/.test(request.url)) return undefined;
      const page = pages.shift();
      return page === undefined ? held(init) : json({ liveChats: { link: [], ...page } });
    });
    const agent = await logIn(net.fetch);
    const stop = new AbortController();
    const feed = collect(agent.liveChats({ signal: stop.signal }));
    await feed.until((items) => items.length === 4, 'the list and three changes');
    stop.abort();
    await feed.done;
    assert.deepEqual(feed.items, [
      { type: 'synced', chats: [typed('A'), typed('B')] },
      { type: 'chat', chat: typed('A', { lastLineTime: Date.parse('2026-12-06T10:02:11.000Z') }) },
      { type: 'chat', chat: typed('C') },
      { type: 'gone', chatId: 'B' },
    ]);
    const polls = net.seen.filter((request) => /\/liveChats\.json/.test(request.url)).map((request) => request.url);
    assert.doesNotMatch(polls[0]!, /seen=/);
    assert.match(polls[1]!, /seen=v1&wait=25/);
    assert.match(polls[2]!, /seen=v2&wait=25/);
    await agent.logout();
  });

  it('invitations() lists the open ones when the stream opens, then yields each new one once, and accept() joins as an assistant', async () => {
    const invitation = (id: string, state?: string) => ({
      id,
      chatId: id.split('.')[0],
      skill: 'Sales',
      visitorName: 'Mia',
      invitedBy: 'Alice',
      note: 'help?',
      time: '2026-12-06T10:03:00.000+00:00',
      ...(state === undefined ? {} : { state, href: `http://x/chat/${id.split('.')[0]!}` }),
    });
    const net = fakeSharing((request, init) => {
      if (/\/stream\?/.test(request.url)) {
        return eventStream(
          [
            message('invitation', invitation('H2.1', 'open')),
            // Told again (a reconnect, or the list and the stream both), and closed: neither yields.
            message('invitation', invitation('H1.1', 'open')),
            message('invitation', invitation('H2.1', 'closed')),
            message('invitation', { ...invitation('H3.1', 'open'), skill: '', time: 1700000000000 }),
          ],
          init,
        );
      }
      if (/\/invitations\.json\?/.test(request.url)) {
        return json({ invitations: { link: [], invitation: [invitation('H1.1')] } });
      }
      if (/\/invitations\/H3\.1\.json\?/.test(request.url)) return json({}, 201);
      return undefined;
    });
    const agent = await logIn(net.fetch);
    const stop = new AbortController();
    const feed = collect(agent.invitations({ signal: stop.signal }));
    await feed.until((items) => items.length === 3, 'three invitations');
    assert.deepEqual(
      feed.items.map(({ id, chatId, skill, invitedBy, note, time }) => ({ id, chatId, skill, invitedBy, note, time })),
      [
        { id: 'H1.1', chatId: 'H1', skill: 'Sales', invitedBy: 'Alice', note: 'help?', time: 1796551380000 },
        { id: 'H2.1', chatId: 'H2', skill: 'Sales', invitedBy: 'Alice', note: 'help?', time: 1796551380000 },
        { id: 'H3.1', chatId: 'H3', skill: null, invitedBy: 'Alice', note: 'help?', time: 1700000000000 },
      ],
    );
    const chat = await feed.items[2]!.accept();
    assert.equal(chat.id, 'H3');
    assert.equal(chat.role, 'assistant');
    const answer = net.seen.find((request) => /\/invitations\/H3\.1/.test(request.url));
    assert.deepEqual(answer?.body, { response: 'accept' });
    stop.abort();
    await feed.done;
    await agent.logout();
  });

  it('listen() asks for its skills, yields the chats joined as a listener once each, and stops asking when stopped', async () => {
    const participation = (chatId: string, role: string, state: string) =>
      message('participation', { chatId, href: `http://x/chat/${chatId}`, role, state });
    const net = fakeSharing((request, init) => {
      if (/\/autoListen\.json\?/.test(request.url)) {
        return request.method === 'DELETE' ? json(undefined, 204) : json({ autoListen: { skills: ['1001'] } });
      }
      if (/\/liveChats\.json\?/.test(request.url)) {
        return json({
          liveChats: { link: [], chat: [entry('A', { joinedAs: 'listener' }), entry('B'), entry('D')] },
        });
      }
      if (/\/stream\?/.test(request.url)) {
        return eventStream(
          [
            participation('A', 'listener', 'joined'),
            participation('X', 'listener', 'joined'),
            participation('Y', 'assistant', 'joined'),
            participation('X', 'listener', 'left'),
            participation('X', 'listener', 'joined'),
          ],
          init,
        );
      }
      return undefined;
    });
    const agent = await logIn(net.fetch);
    const stop = new AbortController();
    const feed = collect(agent.listen({ skills: ['Sales', 'Support'], signal: stop.signal }));
    await feed.until((items) => items.length === 3, 'three joins');
    stop.abort();
    await feed.done;
    assert.deepEqual(
      feed.items.map((chat) => [chat.id, chat.role]),
      [
        ['A', 'listener'],
        ['X', 'listener'],
        ['X', 'listener'],
      ],
    );
    const autoListen = net.seen.filter((request) => /\/autoListen/.test(request.url));
    assert.deepEqual(
      autoListen.map((request) => [request.method, request.body]),
      [
        ['PUT', { autoListen: { skills: ['Sales', 'Support'] } }],
        ['DELETE', undefined],
      ],
    );
    await agent.logout();
  });

  it('listen() polls the live chats for those it joined when the server has no session stream', async () => {
    let polls = 0;
    const net = fakeSharing((request) => {
      if (/\/stream\?/.test(request.url)) return json({ error: { message: 'Not found', internalCode: 42 } }, 404);
      if (/\/autoListen\.json\?/.test(request.url)) return json({ autoListen: { skills: 'all' } });
      if (/\/liveChats\.json\?/.test(request.url)) {
        polls += 1;
        const chats =
          polls === 1
            ? [entry('A', { joinedAs: 'listener' })]
            : [entry('A'), entry('B')].map((chat) => ({ ...chat, joinedAs: 'listener' }));
        return json({ liveChats: { link: [], chat: chats } });
      }
      return undefined;
    });
    const agent = await logIn(net.fetch);
    const stop = new AbortController();
    const feed = collect(agent.listen({ skills: 'all', signal: stop.signal }));
    await feed.until((items) => items.length === 2, 'both chats');
    stop.abort();
    await feed.done;
    assert.deepEqual(
      feed.items.map((chat) => chat.id),
      ['A', 'B'],
    );
    // Asked once for the session; every poll after that only reads.
    assert.equal(net.seen.filter((request) => /\/autoListen/.test(request.url) && request.method === 'PUT').length, 1);
    await agent.logout();
  });
});

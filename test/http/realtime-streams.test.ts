import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import type { AgentSessionClient, WireEvent } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send } from '../support/http-client.js';
import { relayAccount } from '../support/relay-account.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** One Server-Sent Events message: its `id:`, `event:` and `data:` fields (data lines joined by \n). */
interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** A Server-Sent Events response read as it arrives (or, when it is not a stream, its body). */
interface SseClient {
  status: number;
  contentType: string;
  cacheControl: string;
  messages: SseMessage[];
  /** Comment lines (`: keep-alive` → `keep-alive`). */
  comments: string[];
  /** Everything received, for answers that are not a stream (errors). */
  text(): string;
  /** The server ended the response. */
  readonly isEnded: boolean;
  /** Resolves once `check` holds; fails after `timeoutMs`, or at once if the stream ended without it. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Drops the connection, as a network failure would. */
  drop(): void;
}

/** The id lines of messages, as numbers. */
const ids = (messages: SseMessage[]): number[] => messages.map((message) => Number(message.id));
/** The data of chat event messages. */
const eventsOf = (messages: SseMessage[]): WireEvent[] =>
  messages.map((message) => JSON.parse(message.data) as WireEvent);
const errorCode = (text: string): number =>
  (JSON.parse(text) as { error: { internalCode: number } }).error.internalCode;
const dataOf = (message: SseMessage): unknown => JSON.parse(message.data) as unknown;

for (const target of await databaseTargets()) {
  describe(`Server-Sent Events on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const open = new Set<SseClient>();
    /** The statements run since a test last emptied it. */
    const statements: string[] = [];

    before(async () => {
      server = await startTestServer(target, {
        http: { keepAliveMs: 200 },
        onQuery: (sql) => statements.push(sql),
      });
    });
    // Every stream a test opened is closed, so the server closes and the process exits.
    afterEach(() => {
      for (const stream of open) stream.drop();
      open.clear();
    });
    after(() => server.close());

    /** Opens `path` with `Accept: text/event-stream` on a socket of its own, parsing the stream as it comes. */
    function openStream(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
      const url = new URL(server.baseUrl);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path,
            headers: { accept: 'text/event-stream', ...headers },
            agent: false,
          },
          (res) => {
            res.setEncoding('utf8');
            let raw = '';
            let partial = '';
            let isEnded = false;
            let fields: { id?: string; event?: string; data?: string[] } = {};
            const line = (text: string) => {
              if (text === '') {
                if (fields.data !== undefined || fields.id !== undefined || fields.event !== undefined) {
                  client.messages.push({ id: fields.id, event: fields.event, data: (fields.data ?? []).join('\n') });
                }
                fields = {};
              } else if (text.startsWith(':')) {
                client.comments.push(text.slice(1).trim());
              } else {
                const colon = text.indexOf(':');
                const name = colon === -1 ? text : text.slice(0, colon);
                const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
                if (name === 'id') fields.id = value;
                else if (name === 'event') fields.event = value;
                else if (name === 'data') fields.data = [...(fields.data ?? []), value];
              }
            };
            const client: SseClient = {
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              cacheControl: String(res.headers['cache-control'] ?? ''),
              messages: [],
              comments: [],
              text: () => raw,
              get isEnded() {
                return isEnded;
              },
              async until(check, what, timeoutMs) {
                const holdsOrFailsAtEnd = () => {
                  if (check()) return true;
                  if (isEnded) throw new Error(`the stream ended before ${what}`);
                  return false;
                };
                try {
                  await eventually(what, holdsOrFailsAtEnd, timeoutMs === undefined ? {} : { timeoutMs });
                } catch (error) {
                  const reason = error instanceof Error ? error.message : String(error);
                  throw new Error(`${reason}; received: ${raw}`, { cause: error });
                }
              },
              drop: () => req.destroy(),
            };
            res.on('data', (chunk: string) => {
              raw += chunk;
              const lines = (partial + chunk).split(/\r\n|\r|\n/);
              partial = lines.pop() ?? '';
              lines.forEach(line);
            });
            const end = () => {
              isEnded = true;
            };
            res.on('end', end);
            res.on('close', end);
            // A dropped connection ends the response with an error; it is what the test asked for.
            res.on('error', end);
            open.add(client);
            resolve(client);
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    /** A fresh account whose relay bot is signed in (Online), so every test has its own chats and rings. */
    async function newAccount() {
      const room = await relayAccount(server);
      const { accountId, appKey, session, bot } = room;

      const visitorPath = (chatId: string, sub = '/events', query = '') =>
        `/api/account/${accountId}/chat/${chatId}${sub}?appKey=${appKey}${query}`;
      const bearer = (of: AgentSessionClient = session) => ({ authorization: `Bearer ${of.bearer}` });
      const agentPath = (chatId: string, sub = '/events', query = '', of: AgentSessionClient = session) =>
        `${of.path}/chat/${chatId}${sub}${query === '' ? '' : `?${query.replace(/^&/, '')}`}`;
      const agentLine = (chatId: string, text: string, subType: 'REGULAR' | 'ONLY_TO_REP' = 'REGULAR') =>
        server.core.chats.agentActions.sendLine(accountId, chatId, bot, text, 'plain', { subType });

      return { ...room, visitorPath, agentPath, bearer, agentLine };
    }

    it('streams existing events from `from`, then each new one once and in id order, as the resource renders it', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const forVisitor = await openStream(room.visitorPath(chatId, '/events', '&from=1'));
      const forAgent = await openStream(room.agentPath(chatId, ''), room.bearer());
      for (const stream of [forVisitor, forAgent]) {
        assert.equal(stream.status, 200, stream.text());
        assert.equal(stream.contentType, 'text/event-stream; charset=utf-8');
        assert.match(stream.cacheControl, /no-cache/);
      }
      await forVisitor.until(() => forVisitor.messages.length === 3, 'events 1–3');
      await forAgent.until(() => forAgent.messages.length === 4, 'events 0–3');

      await room.visitor.say(chatId, 'hello');
      await forAgent.until(() => ids(forAgent.messages).includes(4), 'the visitor line');
      await room.agentLine(chatId, 'hi there');
      await room.agentLine(chatId, 'a note for agents', 'ONLY_TO_REP');
      await room.agentLine(chatId, 'how can I help?');
      await forVisitor.until(() => ids(forVisitor.messages).includes(7), 'line 7');
      await forAgent.until(() => ids(forAgent.messages).includes(7), 'line 7');

      assert.deepEqual(ids(forVisitor.messages), [1, 2, 3, 4, 5, 7]);
      assert.deepEqual(ids(forAgent.messages), [0, 1, 2, 3, 4, 5, 6, 7]);
      // `data` is the event exactly as the events resource of that API renders it; `id` is its id.
      assert.deepEqual(eventsOf(forVisitor.messages), await room.visitor.events(chatId, 1));
      assert.deepEqual(eventsOf(forAgent.messages), await room.session.events(chatId));
      for (const message of [...forVisitor.messages, ...forAgent.messages]) {
        assert.equal(message.event, undefined);
        assert.equal(message.id, (JSON.parse(message.data) as WireEvent)['@id']);
      }
      // systemMessageId: a string for the visitor, a number for the agent.
      assert.equal(eventsOf(forVisitor.messages)[0]!.systemMessageId, '4');
      assert.equal(eventsOf(forAgent.messages)[1]!.systemMessageId, 4);
      // Agent-only lines never reach the visitor (server-chat §4.2).
      assert.ok(!forVisitor.text().includes('ONLY_TO_REP'), forVisitor.text());
      assert.ok(!forVisitor.text().includes('a note for agents'), forVisitor.text());
      assert.equal(eventsOf(forAgent.messages)[6]!.subType, 'ONLY_TO_REP');
    });

    it('streams the chat resource and the events resource alike on both sides, starting at `from`', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const streams = await Promise.all([
        openStream(room.visitorPath(chatId, '', '&from=2')),
        openStream(room.visitorPath(chatId, '/events', '&from=2')),
        openStream(room.agentPath(chatId, '', 'from=2'), room.bearer()),
        openStream(room.agentPath(chatId, '/events', 'from=2'), room.bearer()),
      ]);
      for (const [index, stream] of streams.entries()) {
        await stream.until(() => stream.messages.length === 2, 'events 2–3');
        assert.deepEqual(ids(stream.messages), [2, 3]);
        assert.deepEqual(
          eventsOf(stream.messages).map((event) => event.state ?? event.systemMessageId),
          ['chatting', index < 2 ? '3' : 3],
        );
      }
    });

    it('sends the events a change carried without reading them from the store again', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const streams = await Promise.all([
        openStream(room.visitorPath(chatId, '', '&from=4')),
        openStream(room.visitorPath(chatId, '/events', '&from=4')),
        openStream(room.agentPath(chatId, '', 'from=4'), room.bearer()),
        openStream(room.agentPath(chatId, '/events', 'from=4'), room.bearer()),
      ]);
      const [visitorChat, , agentChat] = streams;
      // Open once the first read found nothing at or past `from`: the server's opening comment.
      for (const stream of streams)
        await stream.until(() => stream.comments.includes('stream open'), 'the stream to open');
      await room.agentLine(chatId, 'warm-up');
      for (const stream of streams) await stream.until(() => ids(stream.messages).includes(4), 'line 4');

      statements.length = 0;
      await room.agentLine(chatId, 'agents only', 'ONLY_TO_REP');
      await room.visitor.say(chatId, 'hello');
      await room.agentLine(chatId, 'hi');
      for (const stream of streams) await stream.until(() => ids(stream.messages).includes(7), 'line 7');
      const readsEvents = statements.filter((sql) => sql.startsWith('select') && sql.includes('from "chat_events"'));
      assert.deepEqual(readsEvents, [], statements.join('\n'));
      assert.deepEqual(ids(visitorChat!.messages), [4, 6, 7]);
      assert.deepEqual(ids(agentChat!.messages), [4, 5, 6, 7]);
      assert.deepEqual(eventsOf(agentChat!.messages).slice(1), (await room.session.events(chatId)).slice(5));
    });

    it('resumes after Last-Event-ID with no gap and no duplicate when the connection drops mid-chat', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const sides = [
        {
          path: (query: string) => room.visitorPath(chatId, '/events', query),
          headers: {},
          legacy: () => room.visitor.events(chatId),
          expected: [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
        },
        {
          path: (query: string) => room.agentPath(chatId, '/events', query),
          headers: room.bearer(),
          legacy: () => room.session.events(chatId),
          expected: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        },
      ];
      const first = await Promise.all(sides.map((side) => openStream(side.path('&from=0'), side.headers)));
      await room.visitor.say(chatId, 'one');
      await room.agentLine(chatId, 'two');
      for (const stream of first) await stream.until(() => ids(stream.messages).includes(5), 'event 5');
      const seen = first.map((stream) => [...stream.messages]);
      for (const stream of first) {
        stream.drop();
        await stream.until(() => stream.isEnded, 'the dropped connection to close');
      }

      // Posted while nobody listens.
      await room.agentLine(chatId, 'three');
      await room.agentLine(chatId, 'agents only', 'ONLY_TO_REP');
      await room.visitor.say(chatId, 'four');

      // An EventSource sends the last id it saw; it wins over `from`.
      const second = await Promise.all(
        sides.map((side, index) =>
          openStream(side.path('&from=0'), { ...side.headers, 'last-event-id': seen[index]!.at(-1)!.id! }),
        ),
      );
      await room.agentLine(chatId, 'five');
      await server.core.chats.agentActions.end(room.accountId, chatId, room.bot);
      for (const [index, side] of sides.entries()) {
        const resumed = second[index]!;
        await resumed.until(() => resumed.isEnded, 'the stream to end after `ended`');
        assert.equal(resumed.messages[0]?.id, '6', 'the stream resumed right after the last id seen');
        const union = [...seen[index]!, ...resumed.messages];
        assert.deepEqual(ids(union), side.expected);
        assert.deepEqual(eventsOf(union), await side.legacy());
      }
    });

    it('sends a keep-alive comment every keepAliveMs (200 ms) while nothing happens', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const streams = await Promise.all([
        openStream(room.visitorPath(chatId, '/events', '&from=4')),
        openStream(room.agentPath(chatId, '/events', 'from=4'), room.bearer()),
        openStream(`${room.session.path}/stream`, room.bearer()),
      ]);
      for (const stream of streams) {
        assert.equal(stream.status, 200, stream.text());
        await stream.until(
          () => stream.comments.filter((comment) => comment === 'keep-alive').length >= 3,
          'three keep-alive comments',
          3_000,
        );
        assert.equal(stream.comments[0], 'stream open');
      }
      assert.deepEqual(streams[0]!.messages, []);
      assert.deepEqual(streams[1]!.messages, []);
    });

    it('keeps the agent session alive from its open streams with one write a second at most, however many', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const streams = await Promise.all([
        ...Array.from({ length: 8 }, () => openStream(room.agentPath(chatId, '/events', 'from=4'), room.bearer())),
        openStream(`${room.session.path}/stream`, room.bearer()),
      ]);
      const sessionId = room.session.path.split('/').pop() ?? '';
      const repository = server.store.agentSessions;
      const { touch, touchMany } = repository;
      // What reaches the store for this session: at once, or with the turn's flush (adr 0012).
      const touches: number[] = [];
      repository.touch = (accountId, id, now, idleDueAt) => {
        if (id === sessionId) touches.push(now);
        return touch.call(repository, accountId, id, now, idleDueAt);
      };
      repository.touchMany = (batch) => {
        for (const recorded of batch) if (recorded.sessionId === sessionId) touches.push(recorded.at);
        return touchMany.call(repository, batch);
      };
      try {
        for (const round of [1, 2, 3]) {
          server.clock.advance(5_000);
          const seen = streams.map((stream) => stream.comments.length);
          // Each of the nine streams sends two keep-alives; together they write once.
          await Promise.all(
            streams.map((stream, i) =>
              stream.until(() => stream.comments.length >= seen[i]! + 2, 'two more keep-alives', 3_000),
            ),
          );
          await server.core.flushTouches();
          assert.equal(touches.length, round);
          assert.equal(touches.at(-1), server.clock.now());
        }
        const stored = await server.store.agentSessions.get(room.accountId, sessionId);
        assert.equal(stored?.lastRequestAt, server.clock.now());
      } finally {
        repository.touch = touch;
        repository.touchMany = touchMany;
      }
    });

    it('ends the stream after the `ended` event; a stream of an ended chat sends what is left and ends', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const live = await Promise.all([
        openStream(room.visitorPath(chatId, '', '&from=4')),
        openStream(room.agentPath(chatId, '', 'from=4'), room.bearer()),
      ]);
      await server.core.chats.agentActions.end(room.accountId, chatId, room.bot);
      for (const stream of live) {
        await stream.until(() => stream.isEnded, 'the stream to end');
        assert.deepEqual(
          eventsOf(stream.messages).map((event) => [event['@id'], event.state ?? Number(event.systemMessageId)]),
          [
            ['4', 5],
            ['5', 'ended'],
          ],
        );
      }

      const replay = await openStream(room.visitorPath(chatId, '/events'));
      await replay.until(() => replay.isEnded, 'the replay to end');
      assert.deepEqual(ids(replay.messages), [0, 1, 2, 3, 4, 5]);
      const caughtUp = await openStream(room.agentPath(chatId, '/events'), { ...room.bearer(), 'last-event-id': '5' });
      await caughtUp.until(() => caughtUp.isEnded, 'the caught-up stream to end');
      assert.deepEqual(caughtUp.messages, []);
    });

    it('authenticates a stream as its resource: no appKey 401 / 5, a rejected key 401, no or a wrong bearer 401, another agent 403 / 43', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const { session: alice } = await room.agents.signIn('alice', 'alice-pass');
      const refusals: [string, Record<string, string>, number, number | undefined][] = [
        [`/api/account/${room.accountId}/chat/${chatId}/events`, {}, 401, 5],
        [`/api/account/${room.accountId}/chat/${chatId}`, {}, 401, 5],
        [`/api/account/${room.accountId}/chat/${chatId}/events?appKey=not-a-key`, {}, 401, undefined],
        [room.agentPath(chatId), { authorization: 'Bearer not-a-bearer' }, 401, 30],
        [room.agentPath(chatId, ''), {}, 401, 5],
        [`${room.session.path}/stream`, { authorization: 'Bearer not-a-bearer' }, 401, 30],
        [room.agentPath(chatId, '/events', '', alice), room.bearer(alice), 403, 43],
      ];
      for (const [path, headers, status, internalCode] of refusals) {
        const refused = await openStream(path, headers);
        await refused.until(() => refused.isEnded, `the answer to ${path}`);
        assert.equal(refused.status, status, `${path}: ${refused.text()}`);
        assert.doesNotMatch(refused.contentType, /event-stream/);
        assert.deepEqual(refused.messages, []);
        if (internalCode === undefined) assert.match(refused.text(), /^lp_problem=consumer_key_rejected/);
        else assert.equal(errorCode(refused.text()), internalCode, refused.text());
        // The same request for the legacy representation is refused alike.
        const legacy = await send(server.baseUrl, 'GET', path, { headers: { accept: 'application/json', ...headers } });
        assert.equal(legacy.status, status, legacy.text);
        if (internalCode !== undefined) assert.equal(errorCode(legacy.text), internalCode, legacy.text);
      }
    });

    it('notifies an agent session of its availability, its ring count, and chats assigned and gone', async () => {
      const room = await newAccount();
      // Only Alice takes the account's chats.
      await room.session.setAvailability('Away');
      const { session: alice } = await room.agents.signIn('alice', 'alice-pass');
      const stream = await openStream(`${alice.path}/stream`, room.bearer(alice));
      assert.equal(stream.status, 200, stream.text());
      const seen = () => stream.messages.map((message) => [message.event, dataOf(message)]);
      const has = (event: string, data: unknown) => () =>
        seen().some((entry) => entry[0] === event && JSON.stringify(entry[1]) === JSON.stringify(data));
      const ringCounts = () => seen().filter((entry) => entry[0] === 'ring');
      // Each ring carries the server's time when it was sent; the clock moves only where the test moves it.
      const nothing = (time: number) => ({ ringingCount: '0', ringing: [], time });
      const oneSales = (waitingSince: number) => ({
        ringingCount: '1',
        ringing: [{ skill: 'Sales', visitorName: null, waitingSince }],
        time: waitingSince,
      });

      await stream.until(() => stream.messages.length >= 2, 'the initial availability and ring count');
      const firstAt = server.clock.now();
      const chatId = await room.visitor.start({ skill: 'Sales' });
      await stream.until(has('ring', oneSales(firstAt)), 'the ring');
      assert.equal(await alice.ringingCount(), '1');

      assert.equal(await alice.accept(), chatId);
      const href = `${server.baseUrl}${alice.path}/chat/${chatId}`;
      await stream.until(has('chat', { chatId, href, state: 'chatting' }), 'the accepted chat');
      await stream.until(() => ringCounts().length === 3, 'the ring count back to 0');

      // A second chat rings, and stops ringing when its visitor gives up.
      server.clock.advance(1_000);
      const secondAt = server.clock.now();
      const second = await room.visitor.start({ skill: 'Sales' });
      await stream.until(() => ringCounts().length === 4, 'the second ring');
      const ended = await room.visitor.post(`/chat/${second}/events.json`, {
        event: { '@type': 'state', state: 'ended' },
      });
      assert.equal(ended.status, 201, ended.text);
      await stream.until(() => ringCounts().length === 5, 'the ring count back to 0');

      await alice.setAvailability('Away');
      await stream.until(has('availability', { chat: 'Away' }), 'Away');
      await alice.end(chatId);
      await stream.until(has('chat', { chatId, href, state: 'ended' }), 'the chat leaving');

      assert.deepEqual(seen(), [
        ['availability', { chat: 'Online' }],
        ['ring', nothing(firstAt)],
        ['ring', oneSales(firstAt)],
        ['chat', { chatId, href, state: 'chatting' }],
        ['ring', nothing(firstAt)],
        ['ring', oneSales(secondAt)],
        ['ring', nothing(secondAt)],
        ['availability', { chat: 'Away' }],
        ['chat', { chatId, href, state: 'ended' }],
      ]);
      assert.ok(stream.messages.every((message) => message.id === undefined));
    });

    it('counts down a chat that was already ringing when the stream opened', async () => {
      const room = await newAccount();
      await room.session.setAvailability('Away');
      const { session: alice } = await room.agents.signIn('alice', 'alice-pass');
      const startedAt = server.clock.now();
      const chatId = await room.visitor.start({ skill: 'Sales' });
      assert.equal(await alice.ringingCount(), '1');
      server.clock.advance(5_000);
      const stream = await openStream(`${alice.path}/stream`, room.bearer(alice));
      const seen = () => stream.messages.map((message) => [message.event, dataOf(message)]);
      await stream.until(() => stream.messages.length >= 2, 'the initial availability and ring count');
      // Sent 5 s after the chat started to wait, by the server's clock.
      const ringing = {
        ringingCount: '1',
        ringing: [{ skill: 'Sales', visitorName: null, waitingSince: startedAt }],
        time: startedAt + 5_000,
      };
      assert.deepEqual(seen()[1], ['ring', ringing]);

      assert.equal(await alice.accept(), chatId);
      const href = `${server.baseUrl}${alice.path}/chat/${chatId}`;
      await stream.until(() => seen().some((entry) => entry[0] === 'chat'), 'the accepted chat');
      assert.equal(await alice.ringingCount(), '0');
      await stream.until(() => seen().length >= 4, 'the ring count back to 0', 2_000);
      assert.deepEqual(seen(), [
        ['availability', { chat: 'Online' }],
        ['ring', ringing],
        ['chat', { chatId, href, state: 'chatting' }],
        ['ring', { ringingCount: '0', ringing: [], time: startedAt + 5_000 }],
      ]);
    });

    it('describes each chat ringing here (skill, visitor name, waiting since), oldest first, anew on every change; never another account’s', async () => {
      const room = await newAccount();
      await room.session.setAvailability('Away');
      const { session: alice } = await room.agents.signIn('alice', 'alice-pass');
      // Another account's Alice has the same user id (2001) and a named visitor ringing at her throughout.
      const other = await newAccount();
      await other.session.setAvailability('Away');
      const { session: otherAlice } = await other.agents.signIn('alice', 'alice-pass');
      const theirs = await other.visitor.start({ skill: 'Sales' });
      const theirName = await other.visitor.post(`/chat/${theirs}/info/visitorName.json`, { visitorName: 'Eve' });
      assert.equal(theirName.status, 200, theirName.text);
      assert.equal(await otherAlice.ringingCount(), '1');

      const stream = await openStream(`${alice.path}/stream`, room.bearer(alice));
      assert.equal(stream.status, 200, stream.text());
      const rings = () => stream.messages.filter((message) => message.event === 'ring').map(dataOf);
      await stream.until(() => rings().length === 1, 'the opening ring');

      const firstAt = server.clock.now();
      const first = await room.visitor.start({ skill: 'Sales' });
      await stream.until(() => rings().length === 2, 'the first chat ringing');
      // A name changes what rings, not how many: a new ring all the same.
      const named = await room.visitor.post(`/chat/${first}/info/visitorName.json`, { visitorName: 'Phil' });
      assert.equal(named.status, 200, named.text);
      await stream.until(() => rings().length === 3, 'the visitor’s name');

      server.clock.advance(42_000);
      const secondAt = server.clock.now();
      // No skill: any agent may take it.
      const second = await room.visitor.start({});
      await stream.until(() => rings().length === 4, 'the second chat ringing');
      assert.equal(await alice.ringingCount(), '2');
      // The other account's Alice gets a second ring too; this stream hears nothing of it.
      await other.visitor.start({ skill: 'Sales' });
      assert.equal(await otherAlice.ringingCount(), '2');

      // Accept takes the chat listed first; the other stops ringing when its visitor leaves.
      assert.equal(await alice.accept(), first);
      await stream.until(() => rings().length === 5, 'the first chat accepted');
      const left = await room.visitor.post(`/chat/${second}/events.json`, {
        event: { '@type': 'state', state: 'ended' },
      });
      assert.equal(left.status, 201, left.text);
      await stream.until(() => rings().length === 6, 'the second chat gone');

      const phil = { skill: 'Sales', visitorName: 'Phil', waitingSince: firstAt };
      const anySkill = { skill: null, visitorName: null, waitingSince: secondAt };
      assert.deepEqual(rings(), [
        { ringingCount: '0', ringing: [], time: firstAt },
        { ringingCount: '1', ringing: [{ ...phil, visitorName: null }], time: firstAt },
        { ringingCount: '1', ringing: [phil], time: firstAt },
        { ringingCount: '2', ringing: [phil, anySkill], time: secondAt },
        { ringingCount: '1', ringing: [anySkill], time: secondAt },
        { ringingCount: '0', ringing: [], time: secondAt },
      ]);
      // Nothing names a chat before it is accepted.
      for (const message of stream.messages.filter((entry) => entry.event === 'ring')) {
        assert.doesNotMatch(message.data, new RegExp(`${first}|${second}|${theirs}|chatId|Eve`));
      }
    });
  });
}

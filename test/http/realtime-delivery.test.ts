import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listOf, type Link, type WireEvent } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { relayAccount } from '../support/relay-account.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** An events list as both APIs render it: a `self` and a `next` link, and the events (chat-agent-api §3.14). */
interface EventList {
  link: Link[];
  event?: WireEvent | WireEvent[];
}
/** The chat resource or the events resource of either API (server-chat §3.9–3.10, chat-agent-api §3.13–3.14). */
type Answer = { chat: { link: Link[]; events: EventList; info: Record<string, unknown> } } | { events: EventList };

interface Reply {
  status: number;
  text: string;
  /** When the answer was complete (Date.now()). */
  at: number;
}

/** One of the four resources a long-poll may wait on. */
interface Resource {
  name: string;
  chatId: string;
  side: 'visitor' | 'agent';
  /** `chat` (the chat resource) or `events`. */
  kind: 'chat' | 'events';
  /** The resource's URL as its links name it (no query, no extension). */
  url: string;
  path(query: string): string;
  headers: Record<string, string>;
}

const rel = (links: Link[], name: string): string => {
  const found = links.find((entry) => entry['@rel'] === name);
  assert.ok(found !== undefined, `no ${name} link in ${JSON.stringify(links)}`);
  return found['@href'];
};

/** A legacy error envelope with its status and internalCode (chat-agent-api §1.8). */
function assertLegacyError(reply: Reply, status: number, internalCode: number): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal((JSON.parse(reply.text) as { error: { internalCode: number } }).error.internalCode, internalCode);
}

for (const target of await databaseTargets()) {
  describe(`long-poll delivery (wait=S) on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    let queries = 0;
    /** The statements run since a test last emptied it. */
    const statements: string[] = [];

    before(async () => {
      server = await startTestServer(target, {
        onQuery: (sql) => {
          queries += 1;
          statements.push(sql);
        },
        http: { keepAliveMs: 200 },
      });
    });
    after(() => server.close());

    /** A GET over its own socket (or `agent`'s), timed at the end of the answer. */
    function get(path: string, headers: Record<string, string>, agent?: Agent): Promise<Reply> {
      const url = new URL(server.baseUrl);
      return new Promise((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path, headers, agent: agent ?? false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), at: Date.now() }),
          );
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    }

    /** A fresh account whose relay bot is signed in (Online), so every test has its own chats and rings. */
    async function newAccount() {
      const room = await relayAccount(server);
      const { accountId, appKey, visitor, session, bot } = room;

      /** The four long-pollable resources of a chat: chat and events, visitor and agent side. */
      function resources(chatId: string): Resource[] {
        const visitorUrl = `${server.baseUrl}/api/account/${accountId}/chat/${chatId}`;
        const agentUrl = `${server.baseUrl}${session.path}/chat/${chatId}`;
        const agentHeaders = { accept: 'application/json', authorization: `Bearer ${session.bearer}` };
        const visitorPath = (sub: string) => (query: string) =>
          `/api/account/${accountId}/chat/${chatId}${sub}.json?${query}&v=1&NC=true&appKey=${appKey}`;
        const agentPath = (sub: string) => (query: string) =>
          `${session.path}/chat/${chatId}${sub}.json?${query}&v=1&NC=true`;
        return [
          {
            name: 'visitor chat',
            chatId,
            side: 'visitor',
            kind: 'chat',
            url: visitorUrl,
            path: visitorPath(''),
            headers: {},
          },
          {
            name: 'visitor events',
            chatId,
            side: 'visitor',
            kind: 'events',
            url: visitorUrl,
            path: visitorPath('/events'),
            headers: {},
          },
          {
            name: 'agent chat',
            chatId,
            side: 'agent',
            kind: 'chat',
            url: agentUrl,
            path: agentPath(''),
            headers: agentHeaders,
          },
          {
            name: 'agent events',
            chatId,
            side: 'agent',
            kind: 'events',
            url: agentUrl,
            path: agentPath('/events'),
            headers: agentHeaders,
          },
        ];
      }

      /** An event the other side posts: the agent (in process) for a visitor, the visitor (HTTP) for an agent. */
      async function postFor(side: Resource['side'], chatId: string, text: string): Promise<void> {
        if (side === 'visitor') await server.core.chats.agentActions.sendLine(accountId, chatId, bot, text);
        else await visitor.say(chatId, text);
      }

      return { ...room, resources, postFor };
    }

    /** The events and the `next` href of an answer, checking the legacy shape of its resource. */
    function read(resource: Resource, reply: Reply): { events: WireEvent[]; next: string; body: Answer } {
      assert.equal(reply.status, 200, `${resource.name}: ${reply.text}`);
      const body = JSON.parse(reply.text) as Answer;
      if (resource.kind === 'chat') {
        assert.ok('chat' in body, `${resource.name}: ${reply.text}`);
        // The chat resource's own next link (server-chat §3.9, chat-agent-api §3.13) and the events' one agree.
        const next = rel(body.chat.link, 'next');
        assert.equal(rel(body.chat.link, 'self'), resource.url);
        assert.equal(rel(body.chat.events.link, 'next'), next.replace('?from=', '/events?from='));
        assert.equal(typeof body.chat.info.state, 'string');
        return { events: listOf(body.chat.events.event), next, body };
      }
      assert.ok('events' in body, `${resource.name}: ${reply.text}`);
      assert.equal(rel(body.events.link, 'self'), `${resource.url}/events`);
      return { events: listOf(body.events.event), next: rel(body.events.link, 'next'), body };
    }

    const nextHref = (resource: Resource, from: number) =>
      resource.kind === 'chat' ? `${resource.url}?from=${from}` : `${resource.url}/events?from=${from}`;

    /** One event as the resource delivered it: a single event is an object, not an array (chat-agent-api §1.6). */
    const single = (answer: Answer): unknown => ('chat' in answer ? answer.chat.events.event : answer.events.event);

    it('answers a waiting long-poll on each of the four resources as soon as the other side posts', async (t) => {
      const room = await newAccount();
      for (let index = 0; index < 4; index += 1) {
        // A chat per resource, so each long-poll starts at 4 with nothing newer.
        const resource = room.resources(await room.chatting())[index]!;
        const waiting = server.core.chats.watch.size();
        const started = Date.now();
        const pending = get(resource.path('from=4&wait=60'), resource.headers);
        await eventually(`${resource.name} to wait`, () => server.core.chats.watch.size() > waiting);
        const posted = Date.now();
        await room.postFor(resource.side, resource.chatId, `hello ${resource.name}`);
        const reply = await pending;
        t.diagnostic(`${resource.name}: answered ${reply.at - posted} ms after the post (wait=60)`);
        // Only a wait that ran out takes 60 s; the margin is for a busy machine, not for the server.
        assert.ok(reply.at - started < 45_000, `${resource.name} answered only when its wait ran out`);
        const { events, next, body } = read(resource, reply);
        assert.deepEqual(
          events.map((event) => [event['@id'], event['@type'], event.source, event.text]),
          [['4', 'line', resource.side === 'visitor' ? 'agent' : 'visitor', `hello ${resource.name}`]],
        );
        assert.ok(!Array.isArray(single(body)), 'one event is an object');
        assert.equal(next, nextHref(resource, 5));
        assert.equal(server.core.chats.watch.size(), waiting, 'the answered long-poll no longer waits');
      }
    });

    it('keeps a long-poll waiting through a typing change; only the agent side is answered by an agent-only line', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const [, visitorEvents, , agentEvents] = room.resources(chatId);
      const waiting = server.core.chats.watch.size();
      const forVisitor = get(visitorEvents!.path('from=4&wait=20'), visitorEvents!.headers);
      const forAgent = get(agentEvents!.path('from=4&wait=20'), agentEvents!.headers);
      await eventually('both long-polls to wait', () => server.core.chats.watch.size() === waiting + 2);
      let isVisitorAnswered = false;
      let isAgentAnswered = false;
      void forVisitor.then(() => (isVisitorAnswered = true));
      void forAgent.then(() => (isAgentAnswered = true));

      // A typing flag changes the chat but adds no event.
      await server.core.chats.agentActions.setTyping(room.accountId, chatId, room.bot, true);
      await sleep(300);
      assert.equal(isVisitorAnswered || isAgentAnswered, false, 'a typing change answered a long-poll');

      // An agent-only line (ONLY_TO_REP) exists for the agent only (server-chat §4.2).
      await server.core.chats.agentActions.sendLine(room.accountId, chatId, room.bot, 'note to self', 'plain', {
        subType: 'ONLY_TO_REP',
      });
      const agentRead = read(agentEvents!, await forAgent);
      assert.deepEqual(
        agentRead.events.map((event) => [event['@id'], event.text, event.subType]),
        [['4', 'note to self', 'ONLY_TO_REP']],
      );
      await sleep(300);
      assert.equal(isVisitorAnswered, false, 'the visitor was answered by an agent-only line');

      await server.core.chats.agentActions.sendLine(room.accountId, chatId, room.bot, 'for everyone');
      const visitorRead = read(visitorEvents!, await forVisitor);
      assert.deepEqual(
        visitorRead.events.map((event) => [event['@id'], event.text]),
        [['5', 'for everyone']],
      );
      assert.equal(visitorRead.next, nextHref(visitorEvents!, 6));
    });

    it('answers a long-poll when the chat ends, with line 5 and the ended state', async () => {
      const room = await newAccount();
      const resources = room.resources(await room.chatting());
      const waiting = server.core.chats.watch.size();
      const pending = resources.map((resource) => get(resource.path('from=4&wait=20'), resource.headers));
      await eventually('the four long-polls to wait', () => server.core.chats.watch.size() === waiting + 4);
      await server.core.chats.agentActions.end(room.accountId, resources[0]!.chatId, room.bot);
      const replies = await Promise.all(pending);
      resources.forEach((resource, index) => {
        const { events, next } = read(resource, replies[index]!);
        assert.deepEqual(
          events.map((event) => [event['@id'], event.systemMessageId ?? event.state]),
          [
            // The chat resource of the Server Chat API types systemMessageId as a number, its events resource as a string.
            ['4', resource.side === 'visitor' && resource.kind === 'events' ? '5' : 5],
            ['5', 'ended'],
          ],
          resource.name,
        );
        assert.equal(next, nextHref(resource, 6));
      });
    });

    it('answers after S seconds with no event key when nothing happens (wait=1)', async () => {
      const room = await newAccount();
      const resources = room.resources(await room.chatting());
      const started = Date.now();
      const replies = await Promise.all(
        resources.map((resource) => get(resource.path('from=4&wait=1'), resource.headers)),
      );
      resources.forEach((resource, index) => {
        const reply = replies[index]!;
        const elapsed = reply.at - started;
        assert.ok(elapsed >= 950, `${resource.name} answered after ${elapsed} ms, before its wait`);
        // Far inside the 60 s a long-poll may be held: `wait` bounded it, however busy the machine.
        assert.ok(elapsed < 30_000, `${resource.name} answered after ${elapsed} ms`);
        const { events, next, body } = read(resource, reply);
        assert.deepEqual(events, []);
        assert.equal(single(body), undefined);
        assert.ok(!JSON.stringify(body).includes('"event"'), `${resource.name} has an event key: ${reply.text}`);
        assert.equal(next, nextHref(resource, 4));
      });
    });

    it('answers at once when events past `from` exist or the chat has ended (wait=60 is accepted)', async () => {
      const room = await newAccount();
      const resources = room.resources(await room.chatting());
      const started = Date.now();
      const replies = await Promise.all(
        resources.map((resource) => get(resource.path('from=2&wait=60'), resource.headers)),
      );
      resources.forEach((resource, index) => {
        const { events, next } = read(resource, replies[index]!);
        assert.deepEqual(
          events.map((event) => event['@id']),
          ['2', '3'],
        );
        assert.equal(next, nextHref(resource, 4));
      });
      await server.core.chats.agentActions.end(room.accountId, resources[0]!.chatId, room.bot);
      const ended = await Promise.all(
        resources.map((resource) => get(resource.path('from=6&wait=60'), resource.headers)),
      );
      resources.forEach((resource, index) => {
        const { events, next } = read(resource, ended[index]!);
        assert.deepEqual(events, []);
        assert.equal(next, nextHref(resource, 6));
      });
      // Two rounds of four: had one been held for its wait, this alone would take 60 s.
      assert.ok(Date.now() - started < 45_000, 'a long-poll with something to say waited');
    });

    it('keeps the legacy answer for wait=0 and without wait, and refuses wait=61, wait=x, wait=-1 and wait=1.5 (400 / 40)', async () => {
      const room = await newAccount();
      const resources = room.resources(await room.chatting());
      for (const resource of resources) {
        const plain = await get(resource.path('from=4'), resource.headers);
        const zero = await get(resource.path('from=4&wait=0'), resource.headers);
        assert.deepEqual(read(resource, zero).body, read(resource, plain).body, resource.name);
        assert.deepEqual(read(resource, plain).events, []);
        const withEvents = await get(resource.path('from=1&wait=0'), resource.headers);
        assert.deepEqual(
          read(resource, withEvents).events.map((event) => event['@id']),
          ['1', '2', '3'],
        );
        for (const wait of ['61', 'x', '-1', '1.5', '100000000000000000000']) {
          const refused = await get(resource.path(`from=4&wait=${wait}`), resource.headers);
          assertLegacyError(refused, 400, 40);
        }
      }
    });

    it('stops waiting as soon as the client goes away', async () => {
      const room = await newAccount();
      const [resource] = room.resources(await room.chatting());
      const waiting = server.core.chats.watch.size();
      const url = new URL(server.baseUrl);
      const abandoned = request({
        host: url.hostname,
        port: url.port,
        path: resource!.path('from=4&wait=20'),
        agent: false,
      });
      abandoned.on('error', () => undefined);
      abandoned.end();
      await eventually('the long-poll to wait', () => server.core.chats.watch.size() === waiting + 1);
      abandoned.destroy();
      await eventually('the abandoned long-poll to stop waiting', () => server.core.chats.watch.size() === waiting);
    });

    it('reads no events with nothing at or past `from` on each of the four resources, nor on one SQLite node those its heads keep', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const readsEvents = () => statements.some((sql) => sql.includes('from "chat_events"'));
      for (const resource of room.resources(chatId)) {
        statements.length = 0;
        const caughtUp = await get(resource.path('from=4'), resource.headers);
        assert.equal(caughtUp.status, 200, caughtUp.text);
        assert.deepEqual(read(resource, caughtUp).events, [], resource.name);
        assert.equal(readsEvents(), false, `${resource.name} read the events with nothing past from=4`);
        statements.length = 0;
        const behind = await get(resource.path('from=3'), resource.headers);
        assert.equal(read(resource, behind).events.length, 1, resource.name);
        // One SQLite node answers from the chat's newest events, which its head keeps
        // (docs/adr/0013); PostgreSQL reads them.
        assert.equal(readsEvents(), target.name !== 'sqlite', resource.name);
      }
    });

    it('answers a woken long-poll from the change the bus carried, without reading the chat or its events again', async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      const selectsFrom = (table: string) =>
        statements.filter((sql) => sql.startsWith('select') && sql.includes(`from "${table}"`)).length;
      let from = 4;
      for (const resource of room.resources(chatId)) {
        const waiting = server.core.chats.watch.size();
        const begun = server.core.chats.heads.used;
        statements.length = 0;
        const pending = get(resource.path(`from=${from}&wait=20`), resource.headers);
        // A long-poll listens before its first read (so that no change slips between the two): the
        // line is posted once that read has run too (from the store, or the chat's head), or its
        // statements would count as the line's.
        await eventually(
          `${resource.name} to wait`,
          () =>
            server.core.chats.watch.size() > waiting &&
            (selectsFrom('chats') > 0 || server.core.chats.heads.used > begun),
        );
        statements.length = 0;
        // In process, so that the statements are the line's own and the long-poll's: from the
        // line's transaction on, as the end of the first read (a visitor's touch) may come after
        // the clearing.
        await server.core.chats.agentActions.sendLine(
          room.accountId,
          chatId,
          room.bot,
          `to ${resource.name}`,
          'rich-content',
          {
            json: { type: 'vertical', elements: [{ type: 'text', text: resource.name }] },
          },
        );
        const answer = read(resource, await pending);
        assert.deepEqual(
          answer.events.map((event) => [event['@id'], event.text]),
          [[String(from), `to ${resource.name}`]],
        );
        const begin = statements.findIndex((sql) => sql === 'begin' || sql === 'start transaction');
        assert.ok(begin >= 0, `${resource.name}: no transaction for the line in ${statements.join('\n')}`);
        statements.splice(0, begin);
        // The line itself reads the chat once, under its lock; the answer adds no read.
        assert.equal(selectsFrom('chats'), 1, `${resource.name}: ${statements.join('\n')}`);
        assert.equal(selectsFrom('chat_events'), 0, `${resource.name}: ${statements.join('\n')}`);
        // And it is the answer the store gives.
        const stored = read(resource, await get(resource.path(`from=${from}`), resource.headers));
        assert.deepEqual(answer.events, stored.events, resource.name);
        assert.equal(answer.next, stored.next, resource.name);
        from += 1;
      }
    });

    it("answers from the store when a long-poll begun on the chat's head hears of no change by the end of its wait", async () => {
      const room = await newAccount();
      const chatId = await room.chatting();
      // A second server on the same database, on a bus of its own: its changes are committed but
      // never announced here, as when a node dies between its commit and its announcement.
      const silent = await startTestServer(target, { database: server.location });
      try {
        const postSilently = (side: Resource['side'], text: string) =>
          side === 'visitor'
            ? silent.core.chats.agentActions.sendLine(room.accountId, chatId, room.bot, text)
            : silent.core.chats.visitor.post(room.accountId, chatId, { kind: 'line', text }).then(() => undefined);
        let from = 4;
        for (const resource of room.resources(chatId)) {
          // A poll first: the other server's writes made this one drop every head (SQLite's
          // data_version moved), and a read keeps the chat's again.
          assert.deepEqual(read(resource, await get(resource.path(`from=${from}`), resource.headers)).events, []);
          const waiting = server.core.chats.watch.size();
          const begun = server.core.chats.heads.used;
          const pending = get(resource.path(`from=${from}&wait=1`), resource.headers);
          await eventually(
            `${resource.name} to wait on the chat's head`,
            () => server.core.chats.watch.size() > waiting && server.core.chats.heads.used > begun,
          );
          await postSilently(resource.side, `unannounced to ${resource.name}`);
          const { events, next } = read(resource, await pending);
          assert.deepEqual(
            events.map((event) => [event['@id'], event.text]),
            [[String(from), `unannounced to ${resource.name}`]],
            resource.name,
          );
          from += 1;
          assert.equal(next, nextHref(resource, from), resource.name);
        }
        // Committed elsewhere before the long-poll came: on SQLite this server learns that another
        // process wrote and reads the store at once; on PostgreSQL (where another node always
        // shares the bus) the wait's end reads it. Either way the line is answered.
        for (const resource of room.resources(chatId)) {
          await postSilently(resource.side, `earlier, to ${resource.name}`);
          const begun = server.core.chats.heads.used;
          const { events } = read(resource, await get(resource.path(`from=${from}&wait=1`), resource.headers));
          assert.deepEqual(
            events.map((event) => [event['@id'], event.text]),
            [[String(from), `earlier, to ${resource.name}`]],
            resource.name,
          );
          if (target.name === 'sqlite') assert.equal(server.core.chats.heads.used, begun, resource.name);
          from += 1;
        }
      } finally {
        await silent.close();
      }
    });

    it('holds 1,000 concurrent long-polls without one store query, then answers every one when events arrive', async (t) => {
      const room = await newAccount();
      const chatCount = 50;
      const perResource = 5; // 4 resources × 5 = 20 waiters per chat
      const chatIds: string[] = [];
      for (let index = 0; index < chatCount; index += 1) chatIds.push(await room.chatting());
      const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
      try {
        const waiting = server.core.chats.watch.size();
        const begun = server.core.chats.heads.used;
        const queriesBefore = queries;
        statements.length = 0;
        const started = Date.now();
        /** Polls answered for good: with the line, or (a failure) empty before their wait ran out. */
        let answered = 0;
        /**
         * Polls whose whole 60 s ran out before the lines were posted, asked again as a client would:
         * on a busy machine opening 1,000 requests may take longer than that. The wait is the
         * server's own (real time), so only this keeps the test independent of the machine's speed.
         */
        let expired = 0;
        const poll = async (resource: Resource): Promise<{ resource: Resource; reply: Reply }> => {
          for (;;) {
            const sentAt = Date.now();
            const reply = await get(resource.path('from=4&wait=60'), resource.headers, agent);
            if (read(resource, reply).events.length > 0 || reply.at - sentAt < 59_000) {
              answered += 1;
              return { resource, reply };
            }
            expired += 1;
          }
        };
        /** The first poll that failed (a refused request, a dropped socket): the wait below ends with it. */
        let failure: unknown;
        const polls = chatIds.flatMap((chatId) =>
          room.resources(chatId).flatMap((resource) =>
            Array.from({ length: perResource }, () =>
              poll(resource).catch((error: unknown) => {
                failure ??= error;
                throw error;
              }),
            ),
          ),
        );
        assert.equal(polls.length, 1_000);
        // Should an assertion fail first, destroying the agent must not leave rejections unhandled.
        void Promise.allSettled(polls);
        // Each request listens on the chat watch, then begins to wait on the chat's head (this node
        // announced every change of these chats), with no read at all.
        const chatReads = () =>
          statements.filter((sql) => sql.startsWith('select') && sql.includes('from "chats"')).length +
          (server.core.chats.heads.used - begun);
        let allWaiting = 0;
        let baseline = 0;
        for (;;) {
          await eventually(
            '1,000 long-polls to wait, their first reads done',
            () => {
              if (failure !== undefined) throw failure;
              return server.core.chats.watch.size() === waiting + 1_000 && chatReads() >= 1_000 + expired;
            },
            { timeoutMs: 180_000 },
          );
          allWaiting = Date.now();
          // What the last first reads still had to write (a touch) comes right after their read.
          let settled = -1;
          while (queries !== settled) {
            settled = queries;
            await sleep(500);
          }
          const expiredBefore = expired;
          baseline = queries;
          await sleep(1_000);
          // A poll asked again in this second queried the store rightly: measure another second.
          if (expired === expiredBefore) break;
        }
        assert.equal(queries - baseline, 0, 'the store was queried while 1,000 long-polls waited');
        assert.equal(server.core.chats.heads.used - begun, 1_000 + expired, 'a long-poll read the chat to begin');
        assert.equal(answered, 0, 'a long-poll answered with nothing to say');

        const posted = Date.now();
        await Promise.all(
          chatIds.map((chatId, index) =>
            server.core.chats.agentActions.sendLine(room.accountId, chatId, room.bot, `line ${index}`),
          ),
        );
        const results = await Promise.all(polls);
        const done = Date.now();
        t.diagnostic(
          `1,000 long-polls: all waiting after ${allWaiting - started} ms; ` +
            `${baseline - queriesBefore} queries before the wait, 0 during; all answered ${done - posted} ms after the posts; ` +
            `${expired} waits ran out before the posts and were asked again`,
        );
        for (const { resource, reply } of results) {
          // A long-poll whose wait ran out answers no events: the line in each answer shows it was woken.
          const { events, next } = read(resource, reply);
          assert.deepEqual(
            events.map((event) => [event['@id'], event.text]),
            [['4', `line ${chatIds.indexOf(resource.chatId)}`]],
          );
          assert.equal(next, nextHref(resource, 5));
        }
        assert.equal(server.core.chats.watch.size(), waiting);
      } finally {
        agent.destroy();
      }
    });
  });
}

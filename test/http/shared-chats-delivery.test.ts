import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { createSmtpMailer } from '../../src/mail/smtp-mailer.js';
import {
  agentClient,
  listOf,
  ok,
  pathOf,
  visitorClient,
  type AgentSessionClient,
  type Link,
  type WireEvent,
} from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { parseMail, startSmtpServer } from '../support/smtp-capture.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Shared chats (docs/SHARED-CHATS.md) under load and on every path: a listener joined automatically
// follows 50 chats at once through its session stream and each chat's events (Server-Sent Events,
// then long-poll), while visitors and holders post concurrently; its tips reach the holder and
// never the visitor, whatever the visitor reads with; and LivePerson's sample bot, holding a chat
// that also has a listener and an assistant, behaves exactly as it does alone.

const TIPBOT = 2030;
const WATCHER = 2031;
const HELPER = 2032;
const HOLDERS = 5;
const CHATS = 50;
const LINES_EACH = 3;

/** One Server-Sent Events message: its `id:`, `event:` and `data:` fields (data lines joined by \n). */
interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** A Server-Sent Events response read as it arrives (or, when it is not a stream, its body). */
interface SseClient {
  status: number;
  messages: SseMessage[];
  /** Everything received. */
  text(): string;
  readonly isEnded: boolean;
  /** Resolves once `check` holds; fails at once if the stream ended without it. */
  until(check: () => boolean, what: string): Promise<void>;
  drop(): void;
}

const eventsOf = (messages: SseMessage[]): WireEvent[] =>
  messages.filter((message) => message.event === undefined).map((message) => JSON.parse(message.data) as WireEvent);

const rel = (links: Link[], name: string): string => {
  const found = links.find((entry) => entry['@rel'] === name);
  assert.ok(found !== undefined, `no ${name} link in ${JSON.stringify(links)}`);
  return found['@href'];
};

/** A chat's lines as `by: text`, in order. */
const lines = (events: WireEvent[]) =>
  events.filter((event) => event['@type'] === 'line').map((event) => `${String(event.by)}: ${String(event.text)}`);

/** A user of the shared account: a password `${loginName}-pass`. */
const user = (id: number, loginName: string, nickname: string, extra: Record<string, unknown> = {}) => ({
  id,
  loginName,
  password: `${loginName}-pass`,
  nickname,
  maxChats: 0,
  ...extra,
});

/** The exit survey the account offers (server-chat §3.16), so its resource answers. */
const exitSurvey = {
  id: 361348,
  title: '',
  header: '',
  questions: {
    question: {
      id: 4991315,
      order: 0,
      mandatory: false,
      validationType: 'alpha_numeric',
      logicId: 1,
      type: 'Radio Button',
      label: 'Would you like us to email you a transcript of this chat?',
      entry: [
        { value: 'yes', displayValue: 'Yes', checked: false },
        { value: 'no', displayValue: 'No', checked: false },
      ],
    },
  },
};

for (const target of await databaseTargets()) {
  describe(`shared chats delivery on ${target.name}`, { skip: target.unavailable }, () => {
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    let mailer: ReturnType<typeof createSmtpMailer>;
    let server: TestServer;
    /** Streams and long-poll loops a test opened, closed after it however it ends. */
    const cleanups: (() => void)[] = [];

    before(async () => {
      smtp = await startSmtpServer();
      mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Parley <parley@example.com>' });
      server = await startTestServer(target, { mailer });
    });
    afterEach(() => {
      for (const cleanup of cleanups.splice(0)) cleanup();
    });
    after(async () => {
      await server?.close();
      mailer?.close();
      await smtp?.close();
    });

    /**
     * A fresh account: holders holder1…holder5 (agents of Sales, 10 chats each), tipbot (listens to
     * everything), watcher (listens to Sales), helper (assists in Sales), the sample bot's user
     * echo-bot-pw, and an exit survey.
     */
    async function sharedAccount() {
      const { accountId, seed } = accountSeed();
      const account = seed.accounts[0]!;
      const holders = Array.from({ length: HOLDERS }, (_, index) =>
        user(2021 + index, `holder${index + 1}`, `Holder${index + 1}`, { skills: ['Sales'], maxChats: 10 }),
      );
      const extra = [
        ...holders,
        user(TIPBOT, 'tipbot', 'TipBot', { listen: 'all' }),
        user(WATCHER, 'watcher', 'Watcher', { listen: ['Sales'] }),
        user(HELPER, 'helper', 'Helper', { assist: ['Sales'] }),
        user(2004, 'echo-bot-pw', 'EchoBotPw', { skills: ['Sales'], maxChats: -1 }),
      ];
      await applySeed(server.core, {
        accounts: [{ ...account, surveys: { exit: exitSurvey }, users: [...account.users, ...extra] }],
      });
      const appKey = account.appKeys[0]!;
      const agents = agentClient(server.baseUrl, accountId);
      return {
        accountId,
        appKey,
        holderIds: holders.map((holder) => holder.id),
        signIn: async (name: string) => (await agents.signIn(name, `${name}-pass`)).session,
        visitor: visitorClient(server.baseUrl, accountId, appKey),
        /** A visitor path with the app key (and `v=1&NC=true`). */
        visitorPath: (path: string, query = '') =>
          `/api/account/${accountId}${path}?${query === '' ? '' : `${query}&`}v=1&NC=true&appKey=${appKey}`,
      };
    }

    const bearer = (session: AgentSessionClient) => ({ authorization: `Bearer ${session.bearer}` });

    /** Opens `path` with `Accept: text/event-stream` on a socket of its own, parsing messages as they come. */
    function openStream(
      path: string,
      headers: Record<string, string> = {},
      onMessage?: (message: SseMessage) => void,
    ): Promise<SseClient> {
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
                if (fields.data !== undefined) {
                  const message = { id: fields.id, event: fields.event, data: fields.data.join('\n') };
                  client.messages.push(message);
                  onMessage?.(message);
                }
                fields = {};
              } else if (!text.startsWith(':')) {
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
              messages: [],
              text: () => raw,
              get isEnded() {
                return isEnded;
              },
              async until(check, what) {
                try {
                  await eventually(
                    what,
                    () => {
                      if (check()) return true;
                      if (isEnded) throw new Error(`the stream ended before ${what}`);
                      return false;
                    },
                    { timeoutMs: 120_000 },
                  );
                } catch (error) {
                  const reason = error instanceof Error ? error.message : String(error);
                  throw new Error(`${reason}; received: ${raw.slice(0, 2_000)}`, { cause: error });
                }
              },
              drop: () => req.destroy(),
            };
            res.on('data', (chunk: string) => {
              raw += chunk;
              const parts = (partial + chunk).split(/\r\n|\r|\n/);
              partial = parts.pop() ?? '';
              parts.forEach(line);
            });
            const end = () => {
              isEnded = true;
            };
            res.on('end', end);
            res.on('close', end);
            res.on('error', end);
            cleanups.push(() => req.destroy());
            resolve(client);
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    /** How the listener reads each chat it joined. */
    type Reading = 'server-sent events' | 'long-poll';

    /**
     * Follows one chat from its first event to `ended`, as the listener's session stream named it
     * (`href`): a stream of its events resource, or long-polls (`wait=S`) along the `next` links.
     */
    function follow(reading: Reading, session: AgentSessionClient, href: string) {
      const received: WireEvent[] = [];
      let requests = 0;
      if (reading === 'server-sent events') {
        const done = (async () => {
          const stream = await openStream(`${pathOf(href)}/events?from=0`, bearer(session));
          requests += 1;
          assert.equal(stream.status, 200, stream.text());
          await stream.until(() => stream.isEnded, `the stream of ${href} to end after \`ended\``);
          received.push(...eventsOf(stream.messages));
        })();
        // Awaited once every chat has ended; a failure before then is kept until that await.
        done.catch(() => undefined);
        return { received, done, requests: () => requests };
      }
      let stopped = false;
      cleanups.push(() => {
        stopped = true;
      });
      const done = (async () => {
        let next = `${href}/events?from=0`;
        while (!stopped) {
          // The `next` link, as a client follows it, with the extension, the wait and the version.
          const path = `${pathOf(next).replace('/events?', '/events.json?')}&wait=30&v=1&NC=true`;
          requests += 1;
          const answer = await send(server.baseUrl, 'GET', path, {
            headers: { accept: 'application/json', ...bearer(session) },
          });
          const body = ok<{ events: { link: Link[]; event?: WireEvent | WireEvent[] } }>(answer, 200);
          const got = listOf(body.events.event);
          received.push(...got);
          next = rel(body.events.link, 'next');
          if (got.some((event) => event['@type'] === 'state' && event.state === 'ended')) return;
        }
      })();
      done.catch(() => undefined);
      return { received, done, requests: () => requests };
    }

    it('tips reach the holder and never the visitor, on any path; an assistant and its lines 30 and 31 do', async (t) => {
      const room = await sharedAccount();
      const { visitor } = room;
      const alice = await room.signIn('alice');
      const tipbot = await room.signIn('tipbot');
      ok(await tipbot.put('/autoListen', { autoListen: { skills: 'all' } }));
      const chatId = await visitor.start({ skill: 'Sales', interactionTimeout: 86_400 });
      assert.equal(await alice.accept(), chatId);
      const chatPath = `/chat/${chatId}`;
      const TIP = 'Order 12345 shipped yesterday';
      const SUGGESTED = 'Your parcel left the warehouse yesterday.';
      const NOTE = 'Psst, the parcel is insured';
      const SECOND_TIP = 'Offer the 10% voucher';
      const forbidden = [
        TIP,
        SUGGESTED,
        NOTE,
        SECOND_TIP,
        'TipBot',
        'Watcher',
        'ONLY_TO_REP',
        'participant',
        'suggestedReply',
      ];
      const assertClean = (what: string, text: string) => {
        for (const word of forbidden) assert.ok(!text.includes(word), `${what} shows the visitor ${word}: ${text}`);
      };

      // The visitor streams the events resource and the chat resource from the start…
      const streams = await Promise.all([
        openStream(room.visitorPath(`${chatPath}/events`, 'from=0')),
        openStream(room.visitorPath(chatPath, 'from=0')),
      ]);
      for (const stream of streams) assert.equal(stream.status, 200, stream.text());
      // …and polls, following the next link.
      const polled: WireEvent[] = [];
      let cursor = 0;
      const take = (answer: HttpResponse) => {
        const body = ok<{ events: { link: Link[]; event?: WireEvent | WireEvent[] } }>(answer, 200);
        polled.push(...listOf(body.events.event));
        cursor = Number(new URL(rel(body.events.link, 'next')).searchParams.get('from'));
        return listOf(body.events.event);
      };
      const poll = async () => take(await visitor.get(`${chatPath}/events.json?from=${cursor}`));
      const post = async (session: AgentSessionClient, event: Record<string, unknown>) => {
        const posted = await session.request('POST', `${chatPath}/events`, { event: { '@type': 'line', ...event } });
        assert.equal(posted.status, 201, posted.text);
        return Number(posted.header('location')?.split('/').pop());
      };

      await visitor.say(chatId, 'Where is my order 12345?');
      await poll();

      // A long-poll held through tips, a suggestion and a listener joining is answered by the assistant joining.
      const waiting = server.core.chats.watch.size();
      const held = visitor.get(`${chatPath}/events.json?from=${cursor}&wait=30`);
      await eventually('the visitor long-poll to wait', () => server.core.chats.watch.size() > waiting);
      const tipId = await post(tipbot, { text: TIP, subType: 'ONLY_TO_REP' });
      const suggestionId = await post(tipbot, { text: TIP, subType: 'ONLY_TO_REP', suggestedReply: SUGGESTED });
      const watcher = await room.signIn('watcher');
      ok(await watcher.request('POST', `${chatPath}/participants`, { participant: { role: 'listener' } }), 201);
      const helper = await room.signIn('helper');
      ok(await helper.request('POST', `${chatPath}/participants`, { participant: { role: 'assistant' } }), 201);
      assert.deepEqual(lines(take(await held)), ['info: Helper has joined the chat.']);

      await post(helper, { text: 'I can help with orders.' });
      const noteId = await post(helper, { text: NOTE, subType: 'ONLY_TO_REP' });
      await alice.say(chatId, 'Let me check.');
      await poll();
      assert.equal((await helper.request('DELETE', `${chatPath}/participants/${helper.id}`)).status, 204);
      await post(tipbot, { text: SECOND_TIP, subType: 'ONLY_TO_REP' });
      assert.equal((await watcher.request('DELETE', `${chatPath}/participants/${watcher.id}`)).status, 204);
      await alice.say(chatId, 'It shipped yesterday.');
      await poll();
      await alice.end(chatId);
      await poll();

      // The holder read every tip, the suggestion, the assistant's note and who came and went.
      const asHeld = await alice.events(chatId);
      const tips = asHeld.filter((event) => event.subType === 'ONLY_TO_REP' && event['@type'] === 'line');
      assert.deepEqual(
        tips.map((event) => [
          event['@id'],
          event.by,
          event.participantRole,
          event.agentId,
          event.text,
          event.suggestedReply,
        ]),
        [
          [String(tipId), 'TipBot', 'listener', String(TIPBOT), TIP, undefined],
          [String(suggestionId), 'TipBot', 'listener', String(TIPBOT), TIP, SUGGESTED],
          [String(noteId), 'Helper', 'assistant', String(HELPER), NOTE, undefined],
          [tips[3]?.['@id'], 'TipBot', 'listener', String(TIPBOT), SECOND_TIP, undefined],
        ],
      );
      assert.deepEqual(
        asHeld
          .filter((event) => event['@type'] === 'participant')
          .map((event) => [event.action, event.role, event.agentName]),
        [
          ['joined', 'listener', 'TipBot'],
          ['joined', 'listener', 'Watcher'],
          ['joined', 'assistant', 'Helper'],
          ['left', 'assistant', 'Helper'],
          ['left', 'listener', 'Watcher'],
        ],
      );
      const heldXml = await alice.request('GET', `${chatPath}/events`, undefined, { accept: 'application/xml' });
      assert.equal(heldXml.status, 200, heldXml.text);
      for (const word of [TIP, SUGGESTED, NOTE, SECOND_TIP, 'TipBot', 'ONLY_TO_REP'])
        assert.ok(heldXml.text.includes(word), `the holder's XML lacks ${word}`);

      // What the visitor sees: the assistant, its line and lines 30 and 31; nothing of the listeners.
      const expected = [
        'info: Thank you for choosing to chat with us.  An agent will be with you shortly.',
        'info: You are now chatting with Alice.',
        'You: Where is my order 12345?',
        'info: Helper has joined the chat.',
        'Helper: I can help with orders.',
        'Alice: Let me check.',
        'info: Helper has left the chat.',
        'Alice: It shipped yesterday.',
        'info: Alice has ended the chat.',
      ];
      const seen = await visitor.events(chatId);
      assert.deepEqual(lines(seen), expected);
      assert.deepEqual(
        seen.filter((event) => event.systemMessageId === '30' || event.systemMessageId === '31').length,
        2,
      );
      assert.ok(seen.every((event) => event['@type'] === 'line' || event['@type'] === 'state'));
      const paths: [string, string][] = [['events in JSON', JSON.stringify(seen)]];

      // Polling and the long-poll, following next links, got exactly that.
      assert.deepEqual(polled, seen);
      // Both streams sent exactly that, then ended with the chat.
      for (const stream of streams) {
        await stream.until(() => stream.isEnded, 'the visitor stream to end with the chat');
        assert.deepEqual(eventsOf(stream.messages), seen);
        paths.push(['a Server-Sent Events stream', stream.text()]);
      }
      // An agent-only event is not found by its id either.
      for (const id of [tipId, suggestionId, noteId]) {
        const one = await visitor.get(`${chatPath}/events/${id}.json`);
        assert.equal(one.status, 404, one.text);
        assert.equal((one.json() as { error: { internalCode: number } }).error.internalCode, 42);
      }

      // The other resources, in JSON and XML, by extension and by Accept.
      const chatResource = ok<{ chat: { events: { event: WireEvent[] } } }>(await visitor.get(`${chatPath}.json`), 200);
      assert.deepEqual(lines(chatResource.chat.events.event), expected);
      const xml = [
        ['events in XML', await visitor.get(`${chatPath}/events.xml`)],
        [
          'events with Accept XML',
          await send(server.baseUrl, 'GET', room.visitorPath(`${chatPath}/events`), {
            headers: { accept: 'application/xml' },
          }),
        ],
        ['the chat resource in XML', await visitor.get(`${chatPath}.xml`)],
      ] as const;
      for (const [what, answer] of xml) {
        assert.equal(answer.status, 200, answer.text);
        assert.match(answer.header('content-type') ?? '', /^application\/xml/);
        for (const text of ['Helper has joined the chat.', 'I can help with orders.', 'Helper has left the chat.'])
          assert.ok(answer.text.includes(text), `${what} lacks ${text}`);
        paths.push([what, answer.text]);
      }
      paths.push(['the chat resource', JSON.stringify(chatResource)]);
      for (const sub of ['/info.json', '/exitSurvey.json', '/exitSurvey.xml']) {
        const answer = await visitor.get(`${chatPath}${sub}`);
        assert.equal(answer.status, 200, `${sub}: ${answer.text}`);
        paths.push([sub, answer.text]);
      }

      // The transcript by e-mail, through a real SMTP server.
      const mailed = smtp.received.length;
      const transcript = await visitor.post(
        `${chatPath}/transcriptRequest.json`,
        { email: 'mia@example.com', timezoneOffset: 0 },
        { 'X-HTTP-Method-Override': 'PUT' },
      );
      assert.equal(transcript.status, 200, transcript.text);
      assert.equal(smtp.received.length, mailed + 1);
      const mail = parseMail(smtp.received[mailed]!.raw);
      const rows = mail.text.split('\n').filter((line) => line.startsWith('['));
      assert.deepEqual(
        rows.map((row) => row.replace(/^\[[\d:]+\] /, '')),
        expected.map((line) => line.replace(/^info: /, `Account ${room.accountId}: `)),
      );
      paths.push(['the transcript (text)', mail.text], ['the transcript (HTML)', mail.html]);

      for (const [what, text] of paths) assertClean(what, text);
      t.diagnostic(
        `${paths.length} visitor paths checked, ${polled.length} events polled, ${asHeld.length} events for the holder`,
      );
    });

    /** What LivePerson's sample bot does and meets in one chat, and what its visitor sees. */
    interface SampleRun {
      /** Each call the bot made, as `METHOD resource status`. */
      calls: string[];
      ringingCounts: string[];
      /** The visitor lines the bot answered, in order. */
      replies: string[];
      /** The types of the events the bot read, each once. */
      readTypes: Set<string>;
      /** Agent-only lines the bot read (and, looking only at visitor lines, left alone). */
      agentOnlyLines: number;
      /** The visitor's events without ids and times (they differ between chats). */
      visitorView: string[];
    }

    /**
     * The sample bot's flow (agent-sample-app, as test/http/sample-bot-flow.test.ts drives it): login,
     * agent session, Online, incomingRequests, accept, the chat, then events polls along the next link,
     * echoing each visitor line as HTML; the end, then logout. `beside` runs around it what the bot
     * does not know of: before the visitor asks, and before each visitor line.
     */
    async function sampleBotRun(beside?: {
      beforeRequest: (room: Awaited<ReturnType<typeof sharedAccount>>) => Promise<void>;
      beforeLine: (index: number, chatId: string) => Promise<void>;
    }): Promise<SampleRun> {
      const room = await sharedAccount();
      const { accountId } = room;
      const run: SampleRun = {
        calls: [],
        ringingCounts: [],
        replies: [],
        readTypes: new Set(),
        agentOnlyLines: 0,
        visitorView: [],
      };
      /** The requests of agent-sample-app: its HTTP library adds these headers to every call. */
      const bot = async (
        method: string,
        path: string,
        options: { bearer?: string; body?: unknown; override?: string; cookie?: string } = {},
      ) => {
        const answer = await send(server.baseUrl, method, path, {
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(options.bearer === undefined ? {} : { AUTHORIZATION: `Bearer ${options.bearer}` }),
            ...(options.override === undefined
              ? {}
              : { 'X-Requested-With': 'XMLHttpRequest', 'X-HTTP-Method-Override': options.override }),
            ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
          },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        });
        // The resource without ids: `/agentSession/{id}/chat/{id}/events` → `agentSession chat events`.
        const resource = new URL(path, server.baseUrl).pathname
          .split('/')
          .filter((part) => /^[a-zA-Z.]+$/.test(part) && part !== 'api' && part !== 'account')
          .join(' ');
        run.calls.push(`${method} ${resource} ${answer.status}`);
        return answer;
      };
      const json = <T>(response: HttpResponse): T => {
        assert.ok(response.status < 300, `${response.status} ${response.text}`);
        return response.json() as T;
      };

      const login = await bot('POST', `/api/account/${accountId}/login?v=1.2`, {
        body: { username: 'echo-bot-pw', password: 'echo-bot-pw-pass' },
      });
      const session = json<{ bearer: string; csrf: string }>(login);
      const cookie = /^session_id=[^;]+/.exec(login.header('set-cookie') ?? '')![0];
      const created = await bot('POST', `/api/account/${accountId}/agentSession.json?v=1&NC=true`, {
        bearer: session.bearer,
        body: { loginData: { userName: 'echo-bot-pw', password: 'echo-bot-pw-pass' } },
      });
      const requestURL = json<{ agentSessionLocation: { link: Link } }>(created).agentSessionLocation.link['@href'];
      json(
        await bot('POST', `${pathOf(requestURL)}/availability.json?v=1&NC=true`, {
          bearer: session.bearer,
          override: 'PUT',
          body: { availability: { chat: 'Online' } },
        }),
      );
      const ringing = async () => {
        const ring = json<{ incomingRequests: { link?: Link; ringingCount: string } }>(
          await bot('GET', `${pathOf(requestURL)}/incomingRequests.json?v=1&NC=true`, { bearer: session.bearer }),
        );
        run.ringingCounts.push(ring.incomingRequests.ringingCount);
        return ring.incomingRequests;
      };
      await ringing();

      await beside?.beforeRequest(room);
      const chatId = await room.visitor.start({ skill: 'Sales' });
      const ring = await ringing();
      const accepted = await bot('POST', `${pathOf(ring.link!['@href'])}.json?v=1&NC=true`, {
        bearer: session.bearer,
        body: { chat: 'start' },
      });
      const chatLink = json<{ chatLocation: { link: Link } }>(accepted).chatLocation.link['@href'];
      assert.equal(chatLink.split('/').pop(), chatId);
      const first = json<{ chat: { events: { link: Link[]; event?: WireEvent | WireEvent[] } } }>(
        await bot('GET', `${pathOf(chatLink)}.json?v=1&NC=true`, { bearer: session.bearer }),
      );
      let next = rel(first.chat.events.link, 'next');
      const read = (events: WireEvent[]) => {
        for (const event of events) {
          // Every event has what a legacy reader keys on, whatever its type.
          assert.ok(event['@id'] !== undefined && event.time !== undefined, JSON.stringify(event));
          run.readTypes.add(event['@type']);
          if (event['@type'] === 'line' && event.subType === 'ONLY_TO_REP') run.agentOnlyLines += 1;
        }
      };
      read(listOf(first.chat.events.event));

      let ended = false;
      const poll = async () => {
        // SA rewrites the first /events to /events.json and appends &v=1&NC=true.
        const url = `${pathOf(next).replace('/events', '/events.json')}&v=1&NC=true`;
        const body = json<{ events: { link: Link[]; event?: WireEvent | WireEvent[] } }>(
          await bot('GET', url, { bearer: session.bearer }),
        );
        next = rel(body.events.link, 'next');
        read(listOf(body.events.event));
        // The sample bot looks at lines and states only.
        for (const event of listOf(body.events.event)) {
          if (event['@type'] === 'state' && event.state === 'ended') ended = true;
          if (event['@type'] === 'line' && event.source === 'visitor') {
            const text = `<p dir='ltr' style='direction: ltr; text-align: left;'>echo: ${event.text ?? ''}</p>`;
            json(
              await bot('POST', `${pathOf(chatLink)}/events.json?v=1&NC=true`, {
                bearer: session.bearer,
                body: { event: { '@type': 'line', text, textType: 'html' } },
              }),
            );
            run.replies.push(event.text ?? '');
          }
        }
      };
      for (const [index, text] of ['hello', 'how are you', 'bye'].entries()) {
        await beside?.beforeLine(index, chatId);
        await room.visitor.say(chatId, text);
        await poll();
      }
      json(
        await bot('POST', `${pathOf(chatLink)}/events.json?v=1&NC=true`, {
          bearer: session.bearer,
          body: { event: { '@type': 'state', state: 'ended' } },
        }),
      );
      await poll();
      assert.ok(ended, 'the bot saw the chat end');
      await bot('POST', `/api/account/${accountId}/logout?v=1.2`, { cookie, body: { csrf: session.csrf } });
      await bot('GET', `${pathOf(requestURL)}/incomingRequests.json?v=1&NC=true`, { bearer: session.bearer });

      run.visitorView = (await room.visitor.events(chatId)).map((event) =>
        [event['@type'], event.by, event.source, event.systemMessageId, event.state, event.text].join(' | '),
      );
      return run;
    }

    it("LivePerson's sample bot serves a chat with a listener and an assistant exactly as it serves one alone", async (t) => {
      const alone = await sampleBotRun();

      let tipbot: AgentSessionClient | undefined;
      let helper: AgentSessionClient | undefined;
      const shared = await sampleBotRun({
        // A listener joins every chat automatically, from its start.
        async beforeRequest(room) {
          tipbot = await room.signIn('tipbot');
          ok(await tipbot.put('/autoListen', { autoListen: { skills: 'all' } }));
          helper = await room.signIn('helper');
        },
        // It tips the bot; an assistant joins, talks to the visitor, and leaves.
        async beforeLine(index, chatId) {
          const tip = (text: string, extra: Record<string, unknown> = {}) =>
            tipbot!.request('POST', `/chat/${chatId}/events`, {
              event: { '@type': 'line', text, subType: 'ONLY_TO_REP', ...extra },
            });
          if (index === 1) {
            ok(await tip('Ask how they are', { suggestedReply: 'Fine, thanks!' }), 201);
            ok(
              await helper!.request('POST', `/chat/${chatId}/participants`, { participant: { role: 'assistant' } }),
              201,
            );
            ok(
              await helper!.request('POST', `/chat/${chatId}/events`, {
                event: { '@type': 'line', text: 'Helper here too.' },
              }),
              201,
            );
          }
          if (index === 2) {
            assert.equal((await helper!.request('DELETE', `/chat/${chatId}/participants/${helper!.id}`)).status, 204);
            ok(await tip('They are leaving'), 201);
          }
        },
      });

      // The bot made the same calls with the same answers, and answered the same visitor lines.
      assert.deepEqual(shared.calls, alone.calls);
      assert.deepEqual(shared.ringingCounts, alone.ringingCounts);
      assert.deepEqual(alone.ringingCounts, ['0', '1']);
      assert.deepEqual(shared.replies, ['hello', 'how are you', 'bye']);
      assert.deepEqual(shared.replies, alone.replies);
      assert.deepEqual(alone.calls.slice(-2), ['POST logout 200', 'GET agentSession incomingRequests.json 401']);
      // It read, and skipped, what the listener and the assistant brought.
      assert.deepEqual([...alone.readTypes].sort(), ['line', 'state']);
      assert.deepEqual([...shared.readTypes].sort(), ['line', 'participant', 'state']);
      assert.equal(alone.agentOnlyLines, 0);
      assert.equal(shared.agentOnlyLines, 2);

      // The visitor saw the same chat, with the assistant's line and lines 30 and 31 besides.
      const assistantLines = [
        'line | info | system | 30 |  | Helper has joined the chat.',
        'line | Helper | agent |  |  | Helper here too.',
        'line | info | system | 31 |  | Helper has left the chat.',
      ];
      assert.deepEqual(
        shared.visitorView.filter((event) => !assistantLines.includes(event)),
        alone.visitorView,
      );
      assert.deepEqual(
        shared.visitorView.filter((event) => assistantLines.includes(event)),
        assistantLines,
      );
      t.diagnostic(`${alone.calls.length} sample bot calls, alone and in a shared chat alike`);
    });

    for (const reading of ['server-sent events', 'long-poll'] as const) {
      it(`a listener joined automatically to ${CHATS} concurrent chats receives every line of each once and in order (${reading})`, async (t) => {
        const started = Date.now();
        const room = await sharedAccount();
        const holders = new Map<number, AgentSessionClient>();
        for (const [index, id] of room.holderIds.entries()) holders.set(id, await room.signIn(`holder${index + 1}`));
        const tipbot = await room.signIn('tipbot');

        // The listener learns of its chats from its session stream, and follows each one it joins.
        const notices: { chatId: string; role: string; state: string }[] = [];
        const followed = new Map<string, ReturnType<typeof follow>>();
        const sessionStream = await openStream(`${tipbot.path}/stream`, bearer(tipbot), (message) => {
          if (message.event !== 'participation') return;
          const notice = JSON.parse(message.data) as { chatId: string; href: string; role: string; state: string };
          notices.push(notice);
          if (notice.state === 'joined' && !followed.has(notice.chatId))
            followed.set(notice.chatId, follow(reading, tipbot, notice.href));
        });
        assert.equal(sessionStream.status, 200, sessionStream.text());
        await sessionStream.until(
          () => sessionStream.messages.some((message) => message.event === 'availability'),
          'the opening state',
        );

        /** A chat of Sales, accepted by the holder it rings; which holder holds it. */
        const holderOf = new Map<string, AgentSessionClient>();
        const startChat = async () => {
          const chatId = await room.visitor.start({ skill: 'Sales', interactionTimeout: 86_400 });
          let rung: number | null | undefined;
          await eventually(`chat ${chatId} to ring`, async () => {
            rung = (await server.store.chats.get(room.accountId, chatId))?.ringingUserId;
            return rung != null;
          });
          const holder = holders.get(rung!);
          assert.ok(holder !== undefined, `chat ${chatId} rang user ${String(rung)}`);
          assert.equal(await holder.accept(), chatId);
          holderOf.set(chatId, holder);
          return chatId;
        };

        // A fifth of the chats are live before the listener asks (joined at once), the rest start after.
        const early = [];
        for (let index = 0; index < CHATS / 5; index += 1) early.push(await startChat());
        const auto = ok<{ autoListen: { skills: string; joined: string[] } }>(
          await tipbot.put('/autoListen', { autoListen: { skills: 'all' } }),
        );
        assert.equal(auto.autoListen.skills, 'all');
        assert.deepEqual([...auto.autoListen.joined].sort(), [...early].sort());
        const chatIds = [...early];
        while (chatIds.length < CHATS) chatIds.push(await startChat());
        assert.equal(new Set(holderOf.values()).size, HOLDERS, 'every holder holds some of the chats');
        await eventually(`the listener to follow all ${CHATS} chats`, () => followed.size === CHATS);
        assert.deepEqual([...followed.keys()].sort(), [...chatIds].sort());

        // Every visitor and every holder posts its lines at once, each in its own order.
        const say = (chatId: string, side: 'visitor' | 'holder', index: number) => `${side} ${index} of ${chatId}`;
        await Promise.all(
          chatIds.flatMap((chatId) => [
            (async () => {
              for (let index = 1; index <= LINES_EACH; index += 1)
                await room.visitor.say(chatId, say(chatId, 'visitor', index));
            })(),
            (async () => {
              for (let index = 1; index <= LINES_EACH; index += 1)
                await holderOf.get(chatId)!.say(chatId, say(chatId, 'holder', index));
            })(),
          ]),
        );
        await Promise.all(chatIds.map((chatId) => holderOf.get(chatId)!.end(chatId)));
        await Promise.all([...followed.values()].map((reader) => reader.done));
        await sessionStream.until(
          () => notices.filter((notice) => notice.state === 'ended').length === CHATS,
          `the ${CHATS} chats to end on the session stream`,
        );

        let delivered = 0;
        for (const chatId of chatIds) {
          const received = followed.get(chatId)!.received;
          const holder = holderOf.get(chatId)!;
          const asHeld = await holder.events(chatId);
          // Exactly what the holder reads: every event once, in id order, nothing of another chat.
          assert.deepEqual(received, asHeld, `what the listener received of ${chatId}`);
          assert.deepEqual(
            received.map((event) => Number(event['@id'])),
            received.map((_, index) => index),
          );
          const bySide = (source: string) =>
            received.filter(
              (event) => event['@type'] === 'line' && event.source === source && event.subType !== 'ONLY_TO_REP',
            );
          assert.deepEqual(
            bySide('visitor').map((event) => event.text),
            [1, 2, 3].map((index) => say(chatId, 'visitor', index)),
          );
          assert.deepEqual(
            bySide('agent')
              .filter((event) => !String(event.text).startsWith('You are now chatting'))
              .map((event) => event.text),
            [1, 2, 3].map((index) => say(chatId, 'holder', index)),
          );
          const joined = received.filter((event) => event['@type'] === 'participant');
          assert.deepEqual(
            joined.map((event) => [event.action, event.role, event.agentName]),
            [['joined', 'listener', 'TipBot']],
          );
          assert.equal(received.at(-1)?.state, 'ended');
          delivered += received.length;
        }
        // The session stream told each chat once joined and once ended, and never that it left.
        for (const state of ['joined', 'ended'])
          assert.deepEqual(
            notices
              .filter((notice) => notice.state === state)
              .map((notice) => notice.chatId)
              .sort(),
            [...chatIds].sort(),
            state,
          );
        assert.ok(notices.every((notice) => notice.role === 'listener' && notice.state !== 'left'));

        const requests = [...followed.values()].reduce((sum, reader) => sum + reader.requests(), 0);
        t.diagnostic(
          `${reading}: ${CHATS} chats, ${holders.size} holders, ${CHATS * LINES_EACH * 2} lines posted concurrently; ` +
            `the listener received ${delivered} events in ${requests} requests; ${Date.now() - started} ms`,
        );
      });
    }
  });
}

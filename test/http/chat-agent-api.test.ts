import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { assertGolden } from '../support/golden.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

type Format = 'json' | 'xml';

interface Link {
  '@href': string;
  '@rel': string;
}
interface BothLink extends Link {
  href: string;
  rel: string;
}
interface AgentEvent {
  '@id': string;
  '@type': string;
  id?: number;
  type?: string;
  time: string;
  state?: string;
  textType?: string;
  text?: string;
  json?: unknown;
  by?: string;
  source?: string;
  systemMessageId?: number | string;
  subType?: string;
}
interface EventsBody {
  link: Link[];
  event?: AgentEvent | AgentEvent[];
}
interface ChatBody {
  link: Link[];
  events: EventsBody;
  info: Record<string, unknown> & { link: Link[] };
}
interface ErrorBody {
  error: { time: string; message: string; internalCode: number; responseStatus: string };
}

const SECRET = 'a-shared-secret-of-the-brand-idp';

/** The demo seed's agent survey (seeds/demo.json): one mandatory dropdown. */
const agentSurvey = {
  id: 361350,
  title: '',
  header: 'Wrap-up',
  questions: {
    question: {
      id: 4991320,
      order: 0,
      mandatory: true,
      validationType: 'alpha_numeric',
      logicId: 10,
      type: 'Dropdown Box',
      label: 'Chat category',
      entry: [
        { value: 'Sale', checked: false },
        { value: 'Order question', checked: false },
        { value: 'Other', checked: false },
      ],
    },
  },
};

/** accountSeed() plus an agent survey, visitor authentication and a skill no logged-in agent holds. */
function agentApiSeed() {
  const made = accountSeed();
  const account = made.seed.accounts[0]!;
  account.skills.push({ id: 1003, name: 'Billing' });
  account.users[2]!.skills.push('Billing');
  Object.assign(account, {
    surveys: { agent: agentSurvey },
    settings: { visitorAuthentication: { jwtSecret: SECRET, required: false } },
  });
  return { ...made, appKey: account.appKeys[0]! };
}

/** An HS256 JWT as a brand's identity provider would issue it (server-chat §3.7). */
function jwt(claims: Record<string, unknown>, secret: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** `https://host/path?q` → `/path?q`: clients build URLs from hrefs; the test sends them to our port. */
const pathOf = (href: string) => {
  const url = new URL(href);
  return `${url.pathname}${url.search}`;
};

/** The visit id is the chat id without its middle part (§1.9). */
const visitIdOf = (chatId: string) => chatId.replace(/-[0-9a-f]+(?=K)/, '');

const CHAT_ID = /^H\d+-[0-9a-f]{32}K\d{7}$/;

/**
 * §1.5 rules 1, 2 and 4, §7 item 4, on every link of a JSON document: `@href` first and `@rel`
 * second, hrefs absolute, without a `.json`/`.xml` suffix and without `v`/`NC`.
 */
function checkLinks(value: unknown, at = '$'): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkLinks(item, `${at}[${index}]`));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const keys = Object.keys(value);
  if (keys.includes('@href')) {
    assert.deepEqual(keys.slice(0, 2), ['@href', '@rel'], `${at}: "@href" first, "@rel" second`);
    const href: unknown = Reflect.get(value, '@href');
    assert.equal(typeof href, 'string', `${at}: @href is a string`);
    const url = new URL(String(href));
    assert.match(url.protocol, /^https?:$/, `${at}: absolute`);
    assert.doesNotMatch(url.pathname, /\.(json|xml)$/, `${at}: no format suffix`);
    assert.ok(!url.searchParams.has('v') && !url.searchParams.has('NC'), `${at}: no v / NC`);
    if (keys.includes('href')) {
      assert.deepEqual(keys, ['@href', '@rel', 'href', 'rel'], `${at}: both spellings in order`);
      assert.equal(Reflect.get(value, 'href'), href);
    }
  }
  for (const [key, child] of Object.entries(value)) checkLinks(child, `${at}.${key}`);
}

/** Replaces what differs from run to run: ids, times, the port, the account, generated placeholders. */
function normalize(text: string, accountId: string, names: Map<string, string>): string {
  let out = text.split(`/account/${accountId}/`).join('/account/<account>/');
  for (const [actual, placeholder] of names) out = out.split(actual).join(placeholder);
  return out
    .replace(/agentSession\/\d+/g, 'agentSession/<as>')
    .replace(/H\d+-[0-9a-f]{32}K\d{7}/g, '<chat>')
    .replace(/H\d+K\d{7}/g, '<visit>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}/g, '<iso-time>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/127\.0\.0\.1:\d+/g, '<host>')
    .replace(/("visitorId": |<visitorId>)\d+/g, '$1<visitor-id>')
    .replace(/("rtSessionId": |<rtSessionId>)\d+/g, '$1<rt-session-id>')
    .replace(/("shark(?:Visitor|Session)Id": "|<shark(?:Visitor|Session)Id>)[\w-]{22}/g, '$1<shark-id>');
}

/** The internalCode of an error envelope, in either format. */
function internalCodeOf(response: HttpResponse, format: Format): number | undefined {
  if (format === 'json') return (response.json() as ErrorBody).error.internalCode;
  const found = /<internalCode>(\d+)<\/internalCode>/.exec(response.text);
  return found === null ? undefined : Number(found[1]);
}

function assertError(response: HttpResponse, status: number, internalCode: number, format: Format = 'json'): void {
  assert.equal(response.status, status, response.text);
  assert.equal(internalCodeOf(response, format), internalCode, response.text);
  if (format === 'json') {
    const { error } = response.json() as ErrorBody;
    assert.deepEqual(Object.keys(error), ['time', 'message', 'internalCode', 'responseStatus']);
    assert.equal(typeof error.time, 'string');
  }
}

interface CallOptions {
  /** Bearer to send; defaults to the main agent's. */
  bearer?: string;
  /** JSON body (or a raw string); used in XML too when `xml` is not given. */
  body?: unknown;
  /** XML body, sent as application/xml in the XML pass. */
  xml?: string;
  override?: string;
  headers?: Record<string, string>;
}

for (const target of await databaseTargets()) {
  describe(`Chat Agent API over HTTP on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const seeds = { json: agentApiSeed(), xml: agentApiSeed(), errors: agentApiSeed() };
    // A second Sales agent, to see a ring move (errors account only).
    seeds.errors.seed.accounts[0]!.users.push({
      id: 2004,
      loginName: 'carol',
      password: 'carol-pass',
      nickname: 'Carol',
      fullName: 'Carol Poe',
      email: 'carol@example.com',
      skills: ['Sales'],
      maxChats: 2,
      role: 'agent',
    });

    before(async () => {
      server = await startTestServer(target);
      for (const made of Object.values(seeds)) await applySeed(server.core, made.seed);
    });
    after(() => server.close());

    const login = async (accountId: string, username: string, password: string): Promise<string> => {
      const response = await send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, {
        body: { username, password },
      });
      assert.equal(response.status, 200, response.text);
      return (response.json() as { bearer: string }).bearer;
    };

    for (const format of ['json', 'xml'] as const) {
      describe(`every method of §2 in ${format.toUpperCase()}`, () => {
        const { accountId, appKey } = seeds[format];
        const A = `/api/account/${accountId}`;
        const isJson = format === 'json';
        /** Placeholders for the ids this pass creates, so goldens tell the sessions and chats apart. */
        const names = new Map<string, string>();
        let alice = '';
        let boss = '';
        let as1 = ''; // path of alice's first agent session
        let as1Href = '';
        let as2 = '';
        let bossAs = '';
        let chat1 = ''; // chat ids
        let chat2 = '';
        let c1 = ''; // path of chat 1 under as1
        let c2 = '';
        let visitorChat1 = ''; // Server Chat API paths
        let visitorChat2 = '';
        let participantId = '';

        const call = (method: string, path: string, options: CallOptions = {}) => {
          const queryAt = path.indexOf('?');
          const url =
            queryAt === -1
              ? `${path}.${format}?v=1&NC=true`
              : `${path.slice(0, queryAt)}.${format}${path.slice(queryAt)}&v=1&NC=true`;
          const useXml = !isJson && options.xml !== undefined;
          const body = useXml ? options.xml : options.body;
          return send(server.baseUrl, method, url, {
            headers: {
              Authorization: `Bearer ${options.bearer ?? alice}`,
              ...(options.override === undefined ? {} : { 'X-HTTP-Method-Override': options.override }),
              ...(useXml ? { 'Content-Type': 'application/xml' } : {}),
              ...options.headers,
            },
            ...(body === undefined ? {} : { body }),
          });
        };
        const visitor = (method: string, path: string, body?: unknown, override?: string) =>
          send(server.baseUrl, method, `${path}.json?v=1&NC=true&appKey=${appKey}`, {
            ...(body === undefined ? {} : { body }),
            ...(override === undefined ? {} : { headers: { 'X-HTTP-Method-Override': override } }),
          });
        /** Pins status, content type, Location and body; JSON bodies also pass the link rules. */
        const golden = (name: string, response: HttpResponse) => {
          const type = response.header('content-type') ?? '';
          // §1.2: every answer is uncacheable.
          assert.equal(response.header('cache-control'), 'no-cache, no-store', `${name}: Cache-Control`);
          let body = response.text;
          if (response.text !== '') {
            if (isJson) {
              // §1.3, §7 item 10: exactly application/json, no parameter.
              assert.equal(type, 'application/json', `${name}: content type`);
              const parsed = response.json();
              checkLinks(parsed);
              body = JSON.stringify(parsed, null, 2);
            } else {
              assert.equal(type, 'application/xml; charset=utf-8', `${name}: content type`);
              body = response.text.replace(/></g, '>\n<');
            }
          }
          const location = response.header('location');
          const head = `${response.status} ${type}${location === undefined ? '' : `\nLocation: ${location}`}`;
          assertGolden(`agent/${name}.${format}`, normalize(`${head}\n${body}`, accountId, names));
        };
        const json = <T>(response: HttpResponse): T => response.json() as T;
        const startVisitorChat = async (request: Record<string, unknown>) => {
          const started = await send(server.baseUrl, 'POST', `${A}/chat/request.json?appKey=${appKey}`, {
            body: { request: { skill: 'Sales', ...request } },
          });
          assert.equal(started.status, 201, started.text);
          return pathOf(started.header('location')!);
        };

        it('row 1: starts an agent session (201, Location, cookie; href ends in the numeric id)', async () => {
          alice = await login(accountId, 'alice', 'alice-pass');
          boss = await login(accountId, 'boss', 'boss-pass');
          const started = await call('POST', `${A}/agentSession`, { body: { loginData: '' }, xml: '<loginData/>' });
          assert.equal(started.status, 201, started.text);
          as1Href = started.header('location')!;
          // §1.5 rule 5: PM extracts the session id with /[0-9]*$/.
          assert.match(as1Href, new RegExp(`/api/account/${accountId}/agentSession/\\d+$`));
          as1 = pathOf(as1Href);
          names.set(`agentSession/${as1Href.split('/').pop()!}`, 'agentSession/<as-1>');
          if (isJson) {
            const body = json<{ agentSessionLocation: { link: Link } }>(started);
            assert.deepEqual(body.agentSessionLocation.link, { '@href': as1Href, '@rel': 'location' });
          } else {
            assert.ok(started.text.includes(`<link href="${as1Href}" rel="location"/>`), started.text);
          }
          // §1.7: set for bearer requests, never required.
          assert.equal(
            started.header('set-cookie'),
            `agentSessionKey=${as1Href.split('/').pop()!}; Path=/api/account/${accountId}/agentSession; HttpOnly`,
          );
          golden('01-start-session', started);
        });

        it('row 2: lists the agent session resources', async () => {
          const response = await call('GET', as1);
          assert.equal(response.status, 200);
          if (isJson) {
            const links = json<{ agentSessionId: { link: Link[] } }>(response).agentSessionId.link;
            assert.deepEqual(
              links.map((entry) => entry['@rel']),
              [
                'self',
                'availability',
                'available-agents',
                'available-slots',
                'info',
                'incoming-requests',
                'chat-sessions',
              ],
            );
          }
          golden('02-session', response);
        });

        it('rows 3–4: availability: GET, PUT as POST + override, PUT as plain POST, native PUT, 400 / 40', async () => {
          const initial = await call('GET', `${as1}/availability`);
          if (isJson) assert.deepEqual(json(initial), { availability: { chat: 'Online', voice: 'Offline' } });
          golden('03-availability', initial);

          const away = await call('POST', `${as1}/availability`, {
            override: 'PUT',
            body: { availability: { chat: 'Away' } },
            xml: '<availability><chat>Away</chat></availability>',
          });
          assert.equal(away.status, 200, away.text);
          golden('04-set-availability-override', away);
          golden('03-availability-away', await call('GET', `${as1}/availability`));

          // §1.4: a plain POST to a PUT-only resource is the PUT; values match case-insensitively (§3.4).
          const plain = await call('POST', `${as1}/availability`, {
            body: { availability: { chat: 'occupied', chatReasonId: '123' } },
            xml: '<availability><chat>occupied</chat><chatReasonId>123</chatReasonId></availability>',
          });
          assert.equal(plain.status, 200, plain.text);
          golden('04-set-availability-plain', plain);

          const native = await call('PUT', `${as1}/availability`, {
            body: { availability: { chat: 'Online' } },
            xml: '<availability><chat>Online</chat></availability>',
          });
          assert.equal(native.status, 200, native.text);
          if (isJson) assert.deepEqual(json(native), { availability: { chat: 'Online' } });

          const invalid = await call('POST', `${as1}/availability`, {
            override: 'PUT',
            body: { availability: { chat: 'Busy' } },
            xml: '<availability><chat>Busy</chat></availability>',
          });
          assertError(invalid, 400, 40, format);
          golden('04-set-availability-invalid', invalid);
        });

        it('rows 8–9 with nothing ringing: ringingCount "0" without a link; accept is 404 / 42', async () => {
          const none = await call('GET', `${as1}/incomingRequests`);
          assert.equal(none.status, 200);
          if (isJson) {
            // §7 item 5: a string, and no link while nothing rings.
            assert.deepEqual(json(none), { incomingRequests: { ringingCount: '0' } });
          }
          golden('08-incoming-none', none);
          const nothing = await call('POST', `${as1}/incomingRequests`, { body: {}, xml: '<chat>start</chat>' });
          assertError(nothing, 404, 42, format);
          golden('09-accept-nothing-ringing', nothing);
        });

        it('rows 5–7: available agents (with skill / chatState filters), available slots, agent info', async () => {
          const started = await call('POST', `${A}/agentSession`, {
            bearer: boss,
            body: { loginData: {} },
            xml: '<loginData/>',
          });
          assert.equal(started.status, 201);
          bossAs = pathOf(started.header('location')!);
          names.set(`agentSession/${bossAs.split('/').pop()!}`, 'agentSession/<boss-as>');

          const all = await call('GET', `${as1}/availableAgents`);
          assert.equal(all.status, 200);
          if (isJson) {
            const body = json<{
              availableAgents: { agents: { agent: Record<string, unknown>[] }; link: Link };
            }>(all);
            assert.deepEqual(
              body.availableAgents.agents.agent.map((agent) => [agent['@id'], agent['@chatState'], agent.chats]),
              [
                ['2001', '2', undefined],
                ['2002', '2', undefined],
                ['2003', '1', undefined],
              ],
            );
            assert.equal(body.availableAgents.link['@rel'], 'next');
            assert.match(body.availableAgents.link['@href'], /\/availableAgents\?timeStamp=\d+$/);
          }
          golden('05-available-agents', all);
          golden('05-available-agents-skill', await call('GET', `${as1}/availableAgents?skill=Sales`));
          const one = await call('GET', `${as1}/availableAgents?skill=support&chatState=Online`);
          if (isJson) {
            // §1.6 rule 4: one agent is a bare object.
            const agent = json<{ availableAgents: { agents: { agent: unknown } } }>(one).availableAgents.agents.agent;
            assert.ok(!Array.isArray(agent));
          }
          golden('05-available-agents-one', one);
          golden('05-available-agents-none', await call('GET', `${as1}/availableAgents?chatState=Away`));

          const slots = await call('GET', `${as1}/chat/availableSlots`);
          if (isJson) assert.deepEqual(json(slots), { availableSlots: 4 });
          golden('06-available-slots', slots);
          golden('06-available-slots-skill', await call('GET', `${as1}/chat/availableSlots?skill=Sales&maxWaitTime=0`));
          golden('06-available-slots-agent', await call('GET', `${as1}/chat/availableSlots?agent=alice`));
          const combined = await call('GET', `${as1}/chat/availableSlots?agent=alice&skill=Sales`);
          assertError(combined, 400, 40, format);
          golden('06-available-slots-invalid', combined);

          const info = await call('GET', `${as1}/info`);
          if (isJson) {
            const body = json<{ info: Record<string, unknown> }>(info).info;
            assert.equal(body.id, '2001');
            assert.equal(body.maxChats, '3');
            assert.ok(!Array.isArray(body.link), 'agent info link is a single object');
            assert.deepEqual(body.skillsInfo, { skillInfo: { id: '1001', name: 'Sales' } });
          }
          golden('07-agent-info', info);
        });

        it('rows 8–9: an authenticated visitor’s chat rings; the accept link is exact; accept answers 201', async () => {
          const exp = Math.floor(server.clock.now() / 1000) + 600;
          const ssoKey = jwt(
            {
              sub: 'visitor-42',
              exp,
              name: 'Test',
              surname: 'User',
              email: 'testuser@example.com',
              phone: '+1-10-344-3765333',
              customerId: '57ac-072a-5d10-4506-721f-9ebf',
              customerType: 'vip',
            },
            SECRET,
          );
          const conversation = await send(server.baseUrl, 'POST', `${A}/conversation.json?appKey=${appKey}`, {
            body: { ssoKey },
          });
          assert.equal(conversation.status, 200, conversation.text);
          const pair = json<{ participantId: string; conversationId: string }>(conversation);
          participantId = pair.participantId;
          visitorChat1 = await startVisitorChat(pair);
          chat1 = visitorChat1.split('/').pop()!;
          names.set(chat1, '<chat-1>').set(visitIdOf(chat1), '<visit-1>');

          const ringing = await call('GET', `${as1}/incomingRequests`);
          assert.equal(ringing.status, 200);
          golden('08-incoming-ringing', ringing);
          let acceptHref = `${as1Href}/incomingRequests`;
          if (isJson) {
            const body = json<{ incomingRequests: { link: Link; ringingCount: string } }>(ringing);
            // §7 item 5: ringingCount a string; the link one object, href exactly the incomingRequests URL.
            assert.equal(body.incomingRequests.ringingCount, '1');
            assert.deepEqual(Object.keys(body.incomingRequests), ['link', 'ringingCount']);
            assert.ok(!Array.isArray(body.incomingRequests.link));
            assert.deepEqual(body.incomingRequests.link, { '@href': `${as1Href}/incomingRequests`, '@rel': 'next' });
            acceptHref = body.incomingRequests.link['@href'];
          } else {
            assert.ok(ringing.text.includes(`<link href="${as1Href}/incomingRequests" rel="next"/>`), ringing.text);
          }

          // SA: POST `${href}.json?v=1&NC=true`.
          const accepted = await call('POST', pathOf(acceptHref), {
            body: { chat: 'start' },
            xml: '<chat>start</chat>',
          });
          assert.equal(accepted.status, 201, accepted.text);
          const chatHref = accepted.header('location')!;
          // §1.5 rule 5: chatLocation ends in the chat id.
          assert.equal(chatHref, `${as1Href}/chat/${chat1}`);
          assert.match(chatHref.split('/').pop()!, CHAT_ID);
          if (isJson) {
            assert.deepEqual(json(accepted), { chatLocation: { link: { '@href': chatHref, '@rel': 'location' } } });
          }
          c1 = pathOf(chatHref);
          golden('09-accept', accepted);
          const afterAccept = await call('GET', `${as1}/incomingRequests`);
          if (isJson) assert.deepEqual(json(afterAccept), { incomingRequests: { ringingCount: '0' } });
        });

        it('rows 13–15: the chat resource, lines of every kind (201 chatEventLocation), events polls', async () => {
          const chat = await call('GET', c1);
          assert.equal(chat.status, 200);
          golden('13-chat', chat);
          if (isJson) {
            const body = json<{ chat: ChatBody }>(chat).chat;
            assert.deepEqual(
              body.link.map((entry) => entry['@rel']),
              [
                'self',
                'events',
                'info',
                'next',
                'collaboration-channels',
                'visit-id',
                'transfer',
                'transfer-account',
                'agent-survey',
              ],
            );
            assert.equal(body.link[3]!['@href'], `${as1Href}/chat/${chat1}?from=4`);
            assert.equal(body.link[5]!['@href'], `${as1Href}/visits/visit/${visitIdOf(chat1)}`);
            // §7 item 3: events.link is always [self, next] with ?from=.
            assert.deepEqual(body.events.link, [
              { '@href': `${as1Href}/chat/${chat1}/events`, '@rel': 'self' },
              { '@href': `${as1Href}/chat/${chat1}/events?from=4`, '@rel': 'next' },
            ]);
            assert.deepEqual(
              asList(body.events.event).map((event) => [event['@id'], event.systemMessageId ?? event.state]),
              [
                ['0', 'waiting'],
                ['1', 4],
                ['2', 'chatting'],
                ['3', 3],
              ],
            );
            assert.deepEqual(
              body.info.link.map((entry) => Object.keys(entry)),
              [
                ['@href', '@rel'],
                ['@href', '@rel'],
                ['@href', '@rel'],
                ['@href', '@rel'],
              ],
            );
          }

          const hi = await visitor('POST', `${visitorChat1}/events`, { event: { '@type': 'line', text: 'hi' } });
          assert.equal(hi.status, 201);

          const lines: [string, CallOptions][] = [
            [
              '15-line-plain',
              {
                body: { event: { '@type': 'line', text: 'this is a plain line', textType: 'plain' } },
                xml: '<event type="line"><text>this is a plain line</text><textType>plain</textType></event>',
              },
            ],
            [
              '15-line-html',
              {
                body: {
                  event: {
                    '@type': 'line',
                    text: "<div dir='ltr' style='direction:ltr;text-align:left;'>this is a line of text</div>",
                    textType: 'html',
                  },
                },
                xml: "<event type=\"line\"><text>&lt;div dir='ltr' style='direction:ltr;text-align:left;'&gt;this is a line of text&lt;/div&gt;</text><textType>html</textType></event>",
              },
            ],
            [
              '15-line-only-to-rep',
              {
                body: {
                  event: { '@type': 'line', text: 'only visible to agents', textType: 'plain', subType: 'ONLY_TO_REP' },
                },
                xml: '<event type="line"><text>only visible to agents</text><textType>plain</textType><subType>ONLY_TO_REP</subType></event>',
              },
            ],
            [
              '15-line-rich-content',
              {
                body: {
                  event: {
                    '@type': 'line',
                    textType: 'rich-content',
                    json: {
                      type: 'vertical',
                      elements: [{ type: 'text', text: 'Dentist Appointment', style: { bold: true, size: 'large' } }],
                    },
                  },
                },
                xml: '<event type="line"><textType>rich-content</textType><json><type>vertical</type><elements><type>text</type><text>Dentist Appointment</text></elements></json></event>',
              },
            ],
          ];
          for (const [index, [name, options]] of lines.entries()) {
            const posted = await call('POST', `${c1}/events`, options);
            assert.equal(posted.status, 201, posted.text);
            const href = `${as1Href}/chat/${chat1}/events/${5 + index}`;
            assert.equal(posted.header('location'), href);
            if (isJson) {
              assert.deepEqual(json(posted), { chatEventLocation: { link: { '@href': href, '@rel': 'location' } } });
            }
            golden(name, posted);
          }

          const events = await call('GET', `${c1}/events?from=4`);
          golden('14-events', events);
          if (isJson) {
            const body = json<{ events: EventsBody }>(events).events;
            assert.deepEqual(
              asList(body.event).map((event) => [event['@id'], event.source, event.textType, event.subType]),
              [
                ['4', 'visitor', 'plain', 'REGULAR'],
                // §7 item 7: the agent sees its own lines.
                ['5', 'agent', 'plain', 'REGULAR'],
                ['6', 'agent', 'html', 'REGULAR'],
                ['7', 'agent', 'plain', 'ONLY_TO_REP'],
                ['8', 'agent', 'rich-content', 'REGULAR'],
              ],
            );
            assert.equal(body.link[1]!['@href'], `${as1Href}/chat/${chat1}/events?from=9`);
          }

          const one = await call('GET', `${c1}/events?from=8`);
          golden('14-events-one', one);
          if (isJson) {
            // §7 item 2: one event is a bare object.
            const body = json<{ events: EventsBody }>(one).events;
            assert.ok(body.event !== undefined && !Array.isArray(body.event));
            assert.equal(body.link.length, 2);
          }
          const none = await call('GET', `${c1}/events?from=9`);
          golden('14-events-none', none);
          if (isJson) {
            // Nothing new: no event key, next unchanged.
            assert.deepEqual(json(none), {
              events: {
                link: [
                  { '@href': `${as1Href}/chat/${chat1}/events`, '@rel': 'self' },
                  { '@href': `${as1Href}/chat/${chat1}/events?from=9`, '@rel': 'next' },
                ],
              },
            });
          }
          // §1.2: TB appends `?v=1&NC=true` to a next link that has `?from=8` already.
          const tb = await send(server.baseUrl, 'GET', `${c1}/events.${format}?from=8?v=1&NC=true`, {
            headers: { Authorization: `Bearer ${alice}` },
          });
          assert.equal(tb.status, 200);
          assert.equal(tb.text, one.text);

          const chatFrom = await call('GET', `${c1}?from=8`);
          golden('13-chat-from', chatFrom);
          if (isJson) {
            const body = json<{ chat: ChatBody }>(chatFrom).chat;
            assert.equal(body.link[3]!['@href'], `${as1Href}/chat/${chat1}?from=9`);
            assert.ok(!Array.isArray(body.events.event));
          }

          golden('14-event-by-id', await call('GET', `${c1}/events/6`));
          const missing = await call('GET', `${c1}/events/99`);
          assertError(missing, 404, 42, format);

          // §3.14: the visitor never sees ONLY_TO_REP lines; rich content reaches it with its json.
          const seen = json<{ events: { event: AgentEvent[] } }>(await visitor('GET', `${visitorChat1}/events`));
          assert.deepEqual(
            seen.events.event.filter((event) => event.source === 'agent').map((event) => event['@id']),
            ['5', '6', '8'],
          );
          assert.ok(seen.events.event.find((event) => event['@id'] === '8')?.json !== undefined);
        });

        it('row 15: refuses a malformed event with 400 / 40', async () => {
          const missingText = await call('POST', `${c1}/events`, {
            body: { event: { '@type': 'line', textType: 'plain' } },
            xml: '<event type="line"><textType>plain</textType></event>',
          });
          assertError(missingText, 400, 40, format);
          golden('15-line-invalid', missingText);
          const badState = await call('POST', `${c1}/events`, {
            body: { event: { '@type': 'state', state: 'chatting' } },
            xml: '<event type="state"><state>chatting</state></event>',
          });
          assertError(badState, 400, 40, format);
          const badType = await call('POST', `${c1}/events`, {
            body: { event: { '@type': 'line', text: 'x', textType: 'markdown' } },
            xml: '<event type="line"><text>x</text><textType>markdown</textType></event>',
          });
          assertError(badType, 400, 40, format);
        });

        it('rows 17–21: chat info, visitor name, agent typing GET / PUT, visitor typing GET (PUT 405 / 44)', async () => {
          const info = await call('GET', `${c1}/info`);
          golden('17-info', info);
          if (isJson) {
            const body = json<{ info: Record<string, unknown> & { link: BothLink[] } }>(info).info;
            assert.deepEqual(
              body.link.map((entry) => entry.rel),
              ['self', 'visitor-name', 'visitor-typing', 'agent-typing'],
            );
            assert.equal(body.participantId, participantId);
            assert.equal(body.agentId, 2001);
            assert.equal(body.visitorName, 'visitor');
          }

          golden('18-visitor-name', await call('GET', `${c1}/info/visitorName`));
          assert.equal(
            (await visitor('POST', `${visitorChat1}/info/visitorName`, { visitorName: 'Phil' }, 'PUT')).status,
            200,
          );
          const named = await call('GET', `${c1}/info/visitorName`);
          if (isJson) assert.deepEqual(json(named), { visitorName: 'Phil' });
          golden('18-visitor-name-set', named);

          golden('19-agent-typing', await call('GET', `${c1}/info/agentTyping`));
          const typing = await call('POST', `${c1}/info/agentTyping`, {
            override: 'PUT',
            body: { agentTyping: 'typing' },
            xml: '<agentTyping>typing</agentTyping>',
          });
          assert.equal(typing.status, 200, typing.text);
          assert.equal(typing.text, '');
          golden('20-set-agent-typing', typing);
          golden('19-agent-typing-typing', await call('GET', `${c1}/info/agentTyping`));
          assert.deepEqual(json(await visitor('GET', `${visitorChat1}/info/agentTyping`)), { agentTyping: 'typing' });
          const plain = await call('POST', `${c1}/info/agentTyping`, {
            body: { agentTyping: 'not-typing' },
            xml: '<agentTyping>not-typing</agentTyping>',
          });
          assert.equal(plain.status, 200, plain.text);
          const invalid = await call('POST', `${c1}/info/agentTyping`, {
            override: 'PUT',
            body: { agentTyping: 'maybe' },
            xml: '<agentTyping>maybe</agentTyping>',
          });
          assertError(invalid, 400, 40, format);
          golden('20-set-agent-typing-invalid', invalid);

          golden('21-visitor-typing', await call('GET', `${c1}/info/visitorTyping`));
          const visitorTyping = await visitor(
            'POST',
            `${visitorChat1}/info/visitorTyping`,
            { visitorTyping: 'typing' },
            'PUT',
          );
          assert.equal(visitorTyping.status, 200);
          golden('21-visitor-typing-typing', await call('GET', `${c1}/info/visitorTyping`));
          const refused = await call('POST', `${c1}/info/visitorTyping`, {
            override: 'PUT',
            body: { visitorTyping: 'typing' },
            xml: '<visitorTyping>typing</visitorTyping>',
          });
          assertError(refused, 405, 44, format);
          golden('21-set-visitor-typing', refused);
        });

        it('row 12: the authenticated visitor’s data; an unknown participant is 404 / 42', async () => {
          const response = await call('GET', `${as1}/participantExtendedInfo/${participantId}`);
          assert.equal(response.status, 200, response.text);
          if (isJson) {
            const body = json<Record<string, Record<string, unknown>>>(response);
            assert.deepEqual(Object.keys(body), ['authenticatedParticipantInfo', 'authenticatedPersonalInfo']);
            assert.equal(body.authenticatedParticipantInfo!.isUserAuthenticated, true);
            assert.equal(body.authenticatedParticipantInfo!.participantId, participantId);
            assert.deepEqual(body.authenticatedPersonalInfo, {
              name: 'Test',
              surname: 'User',
              contacts: [{ email: 'testuser@example.com', phone: '+1-10-344-3765333' }],
            });
          }
          golden('12-participant-info', response);
          const unknown = await call('GET', `${as1}/participantExtendedInfo/00000000-0000-4000-8000-000000000000`);
          assertError(unknown, 404, 42, format);
        });

        it('row 26: visit, visit info and custom variables; transferAccount and collaborationChannels are 404', async () => {
          const custom = await visitor(
            'POST',
            `${visitorChat1}/customVariables`,
            { customVariables: { customVariable: [{ name: 'plan', value: 'gold' }] } },
            'PUT',
          );
          assert.equal(custom.status, 200, custom.text);
          const visit = `${as1}/visits/visit/${visitIdOf(chat1)}`;
          const visitResponse = await call('GET', visit);
          assert.equal(visitResponse.status, 200, visitResponse.text);
          if (isJson) {
            assert.deepEqual(
              json<{ visitId: { link: Link[] } }>(visitResponse).visitId.link.map((entry) => entry['@rel']),
              ['info', 'custom-variables'],
            );
          }
          golden('26-visit', visitResponse);
          golden('26-visit-info', await call('GET', `${visit}/info`));
          golden('26-visit-custom-variables', await call('GET', `${visit}/customVariables`));
          for (const name of ['transferAccount', 'collaborationChannels']) {
            const response = await call('GET', `${c1}/${name}`);
            assertError(response, 404, 42, format);
            golden(`26-${name}`, response);
          }
          assertError(await call('GET', `${as1}/visits/visit/H1K1234567`), 404, 42, format);
        });

        it('row 26: each custom variable carries its time (§3.26, TB LpCustomVariablesResponse)', async () => {
          const response = await call('GET', `${as1}/visits/visit/${visitIdOf(chat1)}/customVariables`);
          assert.equal(response.status, 200);
          if (isJson) {
            const variable = json<{ customVariables: { customVariable: Record<string, unknown> } }>(response)
              .customVariables.customVariable;
            assert.deepEqual(Object.keys(variable), ['@source', '@scope', 'name', 'time', 'displayName', 'value']);
            assert.match(String(variable.time), /^\d{4}-\d{2}-\d{2}T/);
          } else {
            assert.match(response.text, /<customVariable [^>]*>\s*<name>plan<\/name>\s*<time>[^<]+<\/time>/);
          }
        });

        it('row 10: a second session of the same agent lists the first one’s chats', async () => {
          const started = await call('POST', `${A}/agentSession`);
          assert.equal(started.status, 201);
          as2 = pathOf(started.header('location')!);
          names.set(`agentSession/${as2.split('/').pop()!}`, 'agentSession/<as-2>');
          // §3.1: a new session inherits the agent's availability.
          const availability = await call('GET', `${as2}/availability`);
          if (isJson) assert.deepEqual(json(availability), { availability: { chat: 'Online', voice: 'Offline' } });

          const sessions = await call('GET', `${as2}/chatSessions`);
          assert.equal(sessions.status, 200);
          if (isJson) {
            const entry = json<{
              chatSessions: { chatSession: { link: BothLink; chatSessionKey: string; startTime: unknown } };
            }>(sessions).chatSessions.chatSession;
            assert.ok(!Array.isArray(entry));
            assert.deepEqual(entry.link, {
              '@href': `${server.baseUrl}${as2}/chat/${chat1}`,
              '@rel': 'chat-session',
              href: `${server.baseUrl}${as2}/chat/${chat1}`,
              rel: 'chat-session',
            });
            assert.equal(entry.chatSessionKey, chat1);
            assert.equal(typeof entry.startTime, 'number');
          }
          golden('10-chat-sessions', sessions);
          const own = await call('GET', `${as1}/chatSessions`);
          if (isJson) assert.deepEqual(json(own), { chatSessions: {} });
          golden('10-chat-sessions-none', own);
        });

        it('rows 2, 11: a second chat; the session with cs=1; several chats at once', async () => {
          // Held chats are listed oldest accepted first: chat 2 comes a millisecond later, which
          // makes the order certain (chats accepted in the same millisecond have no order).
          server.clock.advance(1);
          visitorChat2 = await startVisitorChat({});
          chat2 = visitorChat2.split('/').pop()!;
          names.set(chat2, '<chat-2>').set(visitIdOf(chat2), '<visit-2>');
          // §3.9: TB posts "{}" as text/plain; in XML, an empty body.
          const accepted = await call(
            'POST',
            `${as1}/incomingRequests`,
            isJson ? { body: '{}', headers: { 'Content-Type': 'text/plain' } } : {},
          );
          assert.equal(accepted.status, 201, accepted.text);
          assert.equal(accepted.header('location'), `${as1Href}/chat/${chat2}`);
          c2 = `${as1}/chat/${chat2}`;

          const withChats = await call('GET', `${as1}?cs=1`);
          if (isJson) {
            const links = json<{ agentSessionId: { link: Link[] } }>(withChats).agentSessionId.link;
            assert.deepEqual(
              links.slice(7),
              [chat1, chat2].map((id) => ({ '@href': `${as1Href}/chat/${id}`, '@rel': 'chat-session' })),
            );
          }
          golden('02-session-cs', withChats);

          const both = await call('GET', `${as1}/chat?chatSessionKeys=${chat1},${chat2}&fromEventIds=8,0`);
          assert.equal(both.status, 200, both.text);
          if (isJson) {
            const chats = asList(json<{ chats: { chat: ChatBody[] } }>(both).chats.chat);
            assert.equal(chats.length, 2);
            assert.ok(!Array.isArray(chats[0]!.events.event), 'from 8: one event');
            assert.equal(asList(chats[1]!.events.event).length, 4);
            const first = asList(chats[0]!.events.event)[0]!;
            assert.deepEqual(Object.keys(first).slice(0, 4), ['@id', '@type', 'id', 'type']);
            assert.equal(first.id, 8);
          }
          golden('11-chats', both);
          const one = await call(
            'GET',
            `${as1}/chat?chatSessionKeys=H1-0123456789abcdef0123456789abcdefK1234567,${chat2}`,
          );
          if (isJson) assert.ok(!Array.isArray(json<{ chats: { chat: unknown } }>(one).chats.chat));
          golden('11-chats-one', one);
          const noKeys = await call('GET', `${as1}/chat`);
          assertError(noKeys, 400, 40, format);
          golden('11-chats-no-keys', noKeys);
        });

        it('rows 22–23: transfer skills; transfer errors; to a skill, then to an agent', async () => {
          const skills = await call('GET', `${c1}/transfer`);
          if (isJson) {
            assert.deepEqual(json(skills), { transfer: { skill: { id: '1002', name: 'Support', onlineAgents: '1' } } });
          }
          golden('22-transfer-skills', skills);

          const noTarget = await call('POST', `${c1}/transfer`, {
            body: { transfer: { text: 'who?' } },
            xml: '<transfer><text>who?</text></transfer>',
          });
          assertError(noTarget, 400, 40, format);
          golden('23-transfer-no-target', noTarget);
          const nobody = await call('POST', `${c1}/transfer`, {
            body: { transfer: { skill: { id: 1003 }, text: 'billing question' } },
            xml: '<transfer><skill id="1003"/><text>billing question</text></transfer>',
          });
          assert.equal(nobody.status, 400, nobody.text);
          if (isJson) {
            const body = json<{ transfer: { errormsg: string } }>(nobody);
            assert.deepEqual(Object.keys(body), ['transfer']);
            assert.equal(typeof body.transfer.errormsg, 'string');
          } else {
            assert.match(nobody.text, /<transfer><errormsg>[^<]+<\/errormsg><\/transfer>/);
          }
          golden('23-transfer-skill-nobody-online', nobody);
          const offline = await call('POST', `${c1}/transfer`, {
            body: { transfer: { agent: { id: '2003' } } },
            xml: '<transfer><agent><id>2003</id></agent></transfer>',
          });
          assert.equal(offline.status, 400, offline.text);
          golden('23-transfer-agent-offline', offline);

          const toSkill = await call('POST', `${c2}/transfer`, {
            body: { transfer: { skill: { id: 1002 }, text: 'note' } },
            xml: '<transfer><skill id="1002"/><text>note</text></transfer>',
          });
          assert.equal(toSkill.status, 200, toSkill.text);
          assert.equal(toSkill.text, '');
          golden('23-transfer-to-skill', toSkill);
          // §3.23: the transferring session loses the chat.
          const lost = await call('GET', c2);
          assertError(lost, 403, 43, format);
          golden('23-transferred-away', lost);

          const ringing = await call('GET', `${bossAs}/incomingRequests`, { bearer: boss });
          if (isJson)
            assert.equal(
              json<{ incomingRequests: { ringingCount: string } }>(ringing).incomingRequests.ringingCount,
              '1',
            );
          const taken = await call('POST', `${bossAs}/incomingRequests`, {
            bearer: boss,
            body: {},
            xml: '<chat>start</chat>',
          });
          assert.equal(taken.status, 201, taken.text);
          const received = await call('GET', `${bossAs}/chat/${chat2}?from=4`, { bearer: boss });
          golden('23-chat-received-by-skill', received);
          if (isJson) {
            assert.deepEqual(
              asList(json<{ chat: ChatBody }>(received).chat.events.event).map((event) => [
                event.source ?? event.state,
                event.subType ?? '',
                event.systemMessageId ?? '',
              ]),
              [
                ['agent', 'ONLY_TO_REP', ''],
                ['system', 'REGULAR', 15],
                ['waiting', '', ''],
                ['chatting', '', ''],
                ['system', 'REGULAR', 3],
              ],
            );
          }

          const toAgent = await call('POST', `${bossAs}/chat/${chat2}/transfer`, {
            bearer: boss,
            body: { transfer: { agent: { id: 2001 } }, text: 'back to you' },
            xml: '<transfer><agent id="2001"/><text>back to you</text></transfer>',
          });
          assert.equal(toAgent.status, 200, toAgent.text);
          golden('23-transfer-to-agent', toAgent);
          const back = await call('GET', `${as1}/incomingRequests`);
          if (isJson)
            assert.equal(json<{ incomingRequests: { ringingCount: string } }>(back).incomingRequests.ringingCount, '1');
          const reaccepted = await call('POST', `${as1}/incomingRequests`, { body: {}, xml: '<chat>start</chat>' });
          assert.equal(reaccepted.header('location'), `${as1Href}/chat/${chat2}`);
          if (isJson) {
            // SA-PR puts the note outside `transfer`; it reaches the receiving agent only.
            const history = asList(json<{ events: EventsBody }>(await call('GET', `${c2}/events?from=9`)).events.event);
            assert.deepEqual(
              history.map((event) => [event.text ?? event.state, event.subType ?? '', event.systemMessageId ?? '']),
              [
                ['back to you', 'ONLY_TO_REP', ''],
                ['You are being transferred to another agent.', 'REGULAR', 13],
                ['waiting', '', ''],
                ['chatting', '', ''],
                ['You are now chatting with Alice.', 'REGULAR', 3],
              ],
            );
          }
          const events = json<{ events: { event: AgentEvent[] } }>(await visitor('GET', `${visitorChat2}/events`));
          assert.deepEqual(
            events.events.event.filter((event) => event.source === 'system').map((event) => event.systemMessageId),
            ['4', '3', '15', '3', '13', '3'],
          );
        });

        it('row 16: ends the chat (201 chatLocation at the ended event); then lines and typing are 400 / 5', async () => {
          const end = {
            body: { event: { '@type': 'state', state: 'ended' } },
            xml: '<event type="state"><state>ended</state></event>',
          };
          const ended = await call('POST', `${c1}/events`, end);
          assert.equal(ended.status, 201, ended.text);
          const href = `${as1Href}/chat/${chat1}/events/10`;
          assert.equal(ended.header('location'), href);
          if (isJson) assert.deepEqual(json(ended), { chatLocation: { link: { '@href': href, '@rel': 'location' } } });
          golden('16-end-chat', ended);
          const closing = await call('GET', `${c1}/events?from=9`);
          golden('16-events-after-end', closing);
          if (isJson) {
            assert.deepEqual(
              asList(json<{ events: EventsBody }>(closing).events.event).map((event) => [
                event['@id'],
                event.systemMessageId ?? event.state,
              ]),
              [
                ['9', 5],
                ['10', 'ended'],
              ],
            );
          }
          const line = await call('POST', `${c1}/events`, {
            body: { event: { '@type': 'line', text: 'too late' } },
            xml: '<event type="line"><text>too late</text></event>',
          });
          assertError(line, 400, 5, format);
          golden('16-line-after-end', line);
          const typing = await call('POST', `${c1}/info/agentTyping`, {
            override: 'PUT',
            body: { agentTyping: 'typing' },
            xml: '<agentTyping>typing</agentTyping>',
          });
          assertError(typing, 400, 5, format);
          golden('16-typing-after-end', typing);
          assertError(await call('POST', `${c1}/events`, end), 400, 5, format);
          // The ended chat stays readable.
          assert.equal((await call('GET', `${c1}/info`)).status, 200);
        });

        it('rows 24–25: the agent survey, its submission (200, empty), 400 / 40 on a bad answer', async () => {
          const survey = await call('GET', `${c1}/survey`);
          assert.equal(survey.status, 200, survey.text);
          if (isJson) {
            const question = json<{ survey: { questions: { question: Record<string, unknown> } } }>(survey).survey
              .questions.question;
            assert.ok(!Array.isArray(question));
            assert.equal(question.id, '4991320');
            assert.equal(question.mandatory, 'true');
          }
          golden('24-survey', survey);

          const invalid = await call('POST', `${c1}/survey`, {
            override: 'PUT',
            body: { survey: { question: { id: 999, answer: 'Sale' } } },
            xml: '<survey><question id="999"><answer>Sale</answer></question></survey>',
          });
          assertError(invalid, 400, 40, format);
          golden('25-survey-invalid', invalid);
          const missing = await call('POST', `${c1}/survey`, {
            override: 'PUT',
            body: { survey: { id: '361350', question: [] } },
            xml: '<survey><id>361350</id></survey>',
          });
          assertError(missing, 400, 40, format);

          const submitted = await call('POST', `${c1}/survey`, {
            override: 'PUT',
            body: { survey: { id: '361350', question: [{ id: '4991320', answer: 'Sale' }] } },
            xml: '<survey><question id="4991320"><answer>Sale</answer></question></survey>',
          });
          assert.equal(submitted.status, 200, submitted.text);
          assert.equal(submitted.text, '');
          golden('25-survey-submit', submitted);
          const stored = await server.store.chats.get(accountId, chat1);
          assert.equal(stored?.agentSurvey?.answers[0]?.answer, 'Sale');
          const plain = await call('POST', `${c1}/survey`, {
            body: { survey: { question: { id: 4991320, answer: 'Other' } } },
            xml: '<survey><question><id>4991320</id><answer>Other</answer></question></survey>',
          });
          assert.equal(plain.status, 200, plain.text);
        });
      });
    }

    describe('errors (§1.7, §1.8) and session and routing semantics', () => {
      const { accountId, appKey } = seeds.errors;
      const A = `/api/account/${accountId}`;
      let alice = '';
      let boss = '';
      let as1 = '';
      let bossAs = '';
      let chat = '';
      const get = (path: string, headers: Record<string, string>) => send(server.baseUrl, 'GET', path, { headers });
      const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
      const setAvailability = async (session: string, token: string, chat: string) => {
        const response = await send(server.baseUrl, 'POST', `${session}/availability.json`, {
          headers: { ...bearer(token), 'X-HTTP-Method-Override': 'PUT' },
          body: { availability: { chat } },
        });
        assert.equal(response.status, 200, response.text);
      };
      const ringingCount = async (session: string, token: string) =>
        (
          (await get(`${session}/incomingRequests.json`, bearer(token))).json() as {
            incomingRequests: { ringingCount: string };
          }
        ).incomingRequests.ringingCount;

      before(async () => {
        alice = await login(accountId, 'alice', 'alice-pass');
        boss = await login(accountId, 'boss', 'boss-pass');
        const start = async (token: string) => {
          const started = await send(server.baseUrl, 'POST', `${A}/agentSession.json`, {
            headers: bearer(token),
            body: { loginData: '' },
          });
          assert.equal(started.status, 201);
          return pathOf(started.header('location')!);
        };
        as1 = await start(alice);
        bossAs = await start(boss);
        const requested = await send(server.baseUrl, 'POST', `${A}/chat/request.json?appKey=${appKey}`, {
          body: { request: { skill: 'Sales' } },
        });
        chat = new URL(requested.header('location')!).pathname.split('/').pop()!;
        const accepted = await send(server.baseUrl, 'POST', `${as1}/incomingRequests.json`, { headers: bearer(alice) });
        assert.equal(accepted.status, 201, accepted.text);
      });

      it('answers a bad bearer with 401 / 30, none with 401 / 5, another account’s with 401 / 6', async () => {
        assertError(await get(`${as1}/availability.json`, bearer('not-a-bearer')), 401, 30);
        const none = await get(`${as1}/availability.json`, {});
        assertError(none, 401, 5);
        assert.match((none.json() as ErrorBody).error.message, /unknown_authorization_type/);
        assertError(await get(`${as1}/availability.json`, { Authorization: 'Basic YWxpY2U6YWxpY2UtcGFzcw==' }), 401, 5);
        const foreign = await login(seeds.json.accountId, 'alice', 'alice-pass');
        assertError(await get(`${as1}/availability.json`, bearer(foreign)), 401, 6);
      });

      it('answers another user’s session and a chat the agent does not hold with 403 / 43', async () => {
        assertError(await get(`${as1}/availability.json`, bearer(boss)), 403, 43);
        assertError(await get(`${as1}/chat/${chat}.json`, bearer(boss)), 403, 43);
        assertError(await get(`${bossAs}/chat/${chat}.json`, bearer(boss)), 403, 43);
        assertError(await get(`${bossAs}/chat/${chat}/events.json`, bearer(boss)), 403, 43);
        // §1.7: a cookie naming another agent session.
        const cookie = `agentSessionKey=${bossAs.split('/').pop()!}`;
        assertError(await get(`${as1}/availability.json`, { ...bearer(alice), Cookie: cookie }), 403, 43);
      });

      it('answers an unknown session, an unknown chat and nothing to accept with 404 / 42', async () => {
        assertError(await get(`${A}/agentSession/99999999999/availability.json`, bearer(alice)), 404, 42);
        assertError(await get(`${A}/agentSession/abc/availability.json`, bearer(alice)), 404, 42);
        assertError(await get(`${as1}/chat/H1-0123456789abcdef0123456789abcdefK1234567.json`, bearer(alice)), 404, 42);
        assertError(await get(`${as1}/chat/not.a.chat/info.json`, bearer(alice)), 404, 42);
        const nothing = await send(server.baseUrl, 'POST', `${as1}/incomingRequests.json`, {
          headers: bearer(alice),
          body: {},
        });
        assertError(nothing, 404, 42);
        assert.equal((nothing.json() as ErrorBody).error.message, 'No incoming chat request');
        assert.equal((nothing.json() as ErrorBody).error.responseStatus, 'NOT_FOUND');
      });

      it('answers a bad from with 400 / 40 and reads from leniently', async () => {
        assertError(await get(`${as1}/chat/${chat}/events.json?from=-1`, bearer(alice)), 400, 40);
        assert.equal((await get(`${as1}/chat/${chat}/events.json?from=2abc`, bearer(alice))).status, 200);
      });

      it('ends a session on DELETE (POST + override); later requests on it are 404 / 42', async () => {
        const started = await send(server.baseUrl, 'POST', `${A}/agentSession.json`, { headers: bearer(alice) });
        const spare = pathOf(started.header('location')!);
        const deleted = await send(server.baseUrl, 'POST', `${spare}.json`, {
          headers: { ...bearer(alice), 'X-HTTP-Method-Override': 'DELETE' },
        });
        assert.equal(deleted.status, 200, deleted.text);
        assert.equal(deleted.text, '');
        assertError(await get(`${spare}/availability.json`, bearer(alice)), 404, 42);
        // The chat stayed with the agent's other session.
        assert.equal((await get(`${as1}/chat/${chat}/info.json`, bearer(alice))).status, 200);
      });

      it('accepts every loginData variant and no body; refuses an unparseable one with 400 / 40 (§3.1)', async () => {
        for (const body of [
          { loginData: {} },
          { loginData: { userName: 'alice', password: 'alice-pass' } },
          undefined,
        ]) {
          const started = await send(server.baseUrl, 'POST', `${A}/agentSession.json`, {
            headers: bearer(alice),
            ...(body === undefined ? {} : { body }),
          });
          assert.equal(started.status, 201, started.text);
          const ended = await send(server.baseUrl, 'POST', `${pathOf(started.header('location')!)}.json`, {
            headers: { ...bearer(alice), 'X-HTTP-Method-Override': 'DELETE' },
          });
          assert.equal(ended.status, 200);
        }
        const garbage = await send(server.baseUrl, 'POST', `${A}/agentSession.json`, {
          headers: { ...bearer(alice), 'Content-Type': 'application/json' },
          body: '{"loginData": ',
        });
        assertError(garbage, 400, 40);
      });

      it('validates slots and events: maxWaitTime out of range, two events in one POST (400 / 40)', async () => {
        assertError(await get(`${as1}/chat/availableSlots.json?skill=Sales&maxWaitTime=86401`, bearer(alice)), 400, 40);
        const two = await send(server.baseUrl, 'POST', `${as1}/chat/${chat}/events.json`, {
          headers: bearer(alice),
          body: {
            event: [
              { '@type': 'line', text: 'a' },
              { '@type': 'line', text: 'b' },
            ],
          },
        });
        assertError(two, 400, 40);
      });

      it('starts a new session with the availability of the agent’s live one (§3.1)', async () => {
        await setAvailability(as1, alice, 'Away');
        const started = await send(server.baseUrl, 'POST', `${A}/agentSession.json`, { headers: bearer(alice) });
        const spare = pathOf(started.header('location')!);
        const availability = (await get(`${spare}/availability.json`, bearer(alice))).json();
        await send(server.baseUrl, 'POST', `${spare}.json`, {
          headers: { ...bearer(alice), 'X-HTTP-Method-Override': 'DELETE' },
        });
        await setAvailability(as1, alice, 'Online');
        assert.deepEqual(availability, { availability: { chat: 'Away', voice: 'Offline' } });
      });

      it('moves a chat ringing at an agent who goes Away to another agent (§3.4)', async () => {
        const carol = await login(accountId, 'carol', 'carol-pass');
        const started = await send(server.baseUrl, 'POST', `${A}/agentSession.json`, { headers: bearer(carol) });
        const carolAs = pathOf(started.header('location')!);
        await send(server.baseUrl, 'POST', `${A}/chat/request.json?appKey=${appKey}`, {
          body: { request: { skill: 'Sales' } },
        });
        // Carol is the least loaded Sales agent (alice holds one chat).
        assert.equal(await ringingCount(carolAs, carol), '1');
        assert.equal(await ringingCount(as1, alice), '0');
        await setAvailability(carolAs, carol, 'Away');
        assert.deepEqual(
          [await ringingCount(carolAs, carol), await ringingCount(as1, alice)],
          ['0', '1'],
          'the ring left the Away agent for the Online one',
        );
      });

      it('reports elapsedTimeInState from the last change of state (§3.5)', async () => {
        server.clock.advance(5_000);
        await setAvailability(bossAs, boss, 'Away');
        const listed = (await get(`${as1}/availableAgents.json?chatState=Away`, bearer(alice))).json() as {
          availableAgents: { agents: { agent?: Record<string, unknown> | Record<string, unknown>[] } };
        };
        await setAvailability(bossAs, boss, 'Online');
        const entry = asList(listed.availableAgents.agents.agent).find((agent) => agent['@id'] === '2002');
        assert.equal(entry?.elapsedTimeInState, '0');
      });

      it('keeps and reports the availability reason; availableAgents filters by it and by voiceState (§3.4–3.5)', async () => {
        const put = async (availability: Record<string, unknown>) =>
          send(server.baseUrl, 'PUT', `${bossAs}/availability.json`, { headers: bearer(boss), body: { availability } });
        const listed = async (query: string) =>
          asList(
            (
              (await get(`${as1}/availableAgents.json?${query}`, bearer(alice))).json() as {
                availableAgents: { agents: { agent?: Record<string, unknown> | Record<string, unknown>[] } };
              }
            ).availableAgents.agents.agent,
          ).map((agent) => [agent['@id'], agent.chatReasonId]);
        const reasonOfInfo = async () =>
          ((await get(`${bossAs}/info.json`, bearer(boss))).json() as { info: { chatReasonId?: string } }).info
            .chatReasonId;

        // The PUT answers chat alone, as documented; a number reads as its digits (platform §1.4).
        const set = await put({ chat: 'Away', chatReasonId: 17 });
        assert.equal(set.status, 200, set.text);
        assert.deepEqual(set.json(), { availability: { chat: 'Away' } });
        assert.deepEqual((await get(`${bossAs}/availability.json`, bearer(boss))).json(), {
          availability: { chat: 'Away', voice: 'Offline', chatReasonId: '17' },
        });
        assert.equal(await reasonOfInfo(), '17');
        assert.deepEqual(await listed('chatReasonId=17'), [['2002', '17']]);
        assert.deepEqual(await listed('chatReasonId=18'), []);
        assert.deepEqual(await listed('chatState=away&chatReasonId=17&voiceState=offline'), [['2002', '17']]);

        // Parley has no voice channel: every agent is Offline there, and nobody is anything else.
        assert.equal((await listed('voiceState=Offline')).length, (await listed('')).length);
        assert.deepEqual(await listed('voiceState=Online'), []);

        // Setting the availability again without a reason clears it; so does a malformed one (400, kept).
        assertError(await put({ chat: 'Away', chatReasonId: { id: 1 } }), 400, 40);
        assertError(await put({ chat: 'Away', chatReasonId: 'x'.repeat(65) }), 400, 40);
        assert.equal(await reasonOfInfo(), '17');
        assert.equal((await put({ chat: 'Online' })).status, 200);
        assert.deepEqual((await get(`${bossAs}/availability.json`, bearer(boss))).json(), {
          availability: { chat: 'Online', voice: 'Offline' },
        });
        assert.equal(await reasonOfInfo(), undefined);
        assert.deepEqual(await listed('chatReasonId=17'), []);
      });

      it('transfers to the agent when both agent and skill are given; the outer text is the note (§3.23)', async () => {
        const moved = await send(server.baseUrl, 'POST', `${as1}/chat/${chat}/transfer.json`, {
          headers: bearer(alice),
          body: { transfer: { skill: { id: 1003 }, agent: { id: '2002' } }, text: 'over to you' },
        });
        assert.equal(moved.status, 200, moved.text);
        assert.equal(await ringingCount(bossAs, boss), '1');
        const taken = await send(server.baseUrl, 'POST', `${bossAs}/incomingRequests.json`, { headers: bearer(boss) });
        assert.equal(taken.status, 201, taken.text);
        const events = asList(
          ((await get(`${bossAs}/chat/${chat}/events.json?from=4`, bearer(boss))).json() as { events: EventsBody })
            .events.event,
        );
        assert.deepEqual(
          events.map((event) => event.systemMessageId ?? event.subType ?? event.state),
          ['ONLY_TO_REP', 13, 'waiting', 'chatting', 3],
        );
        assertError(await get(`${as1}/chat/${chat}/events.json`, bearer(alice)), 403, 43);
      });
    });
  });
}

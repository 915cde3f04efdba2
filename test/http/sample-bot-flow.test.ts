import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

interface Link {
  '@href': string;
  '@rel': string;
}
interface LineEvent {
  '@id': string;
  '@type': string;
  text?: string;
  source?: string;
  state?: string;
  systemMessageId?: number | string;
}
const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
/** `https://host/path?q` → `/path?q`: the bot builds URLs from hrefs; the test sends them to our port. */
const pathOf = (href: string) => {
  const url = new URL(href);
  return `${url.pathname}${url.search}`;
};

for (const target of await databaseTargets()) {
  describe(
    `LivePerson's sample bot (chat-agent-api §5) against a Server Chat visitor on ${target.name}`,
    { skip: target.unavailable },
    () => {
      let server: TestServer;
      const { accountId, seed } = accountSeed();
      const appKey = seed.accounts[0]!.appKeys[0]!;
      // The sample bot logs in with a user name and password (agent-sample-app lib/loginSession.js).
      const botUser = {
        id: 2004,
        loginName: 'echo-bot-pw',
        password: 'bot-pass',
        nickname: 'EchoBotPw',
        skills: ['Sales'],
        maxChats: -1,
      };
      const visitorQuery = `v=1&NC=true&appKey=${appKey}`;

      before(async () => {
        server = await startTestServer(target);
        await applySeed(server.core, {
          accounts: [{ ...seed.accounts[0]!, users: [...seed.accounts[0]!.users, botUser] }],
        });
      });
      after(() => server.close());

      /** The requests of agent-sample-app: its HTTP library adds these headers to every call. */
      const bot = (
        method: string,
        path: string,
        options: { bearer?: string; body?: unknown; override?: string; cookie?: string } = {},
      ) =>
        send(server.baseUrl, method, path, {
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
      const visitor = (method: string, path: string, body?: unknown) =>
        send(server.baseUrl, method, path, body === undefined ? {} : { body });
      const json = <T>(response: HttpResponse): T => {
        assert.ok(response.status < 300, `${response.status} ${response.text}`);
        return response.json() as T;
      };

      it('logs in, takes the ringing chat, answers every visitor line in order, ends the chat and logs out', async () => {
        // Step 0: the domain of agentVep.
        const domain = json<{ baseURI: string }>(
          await visitor('GET', `/csdr/account/${accountId}/service/agentVep/baseURI.json?version=1.0`),
        );
        assert.equal(domain.baseURI, new URL(server.baseUrl).host);

        // Step 1: login (v=1.2, as the sample sends it).
        const login = await bot('POST', `/api/account/${accountId}/login?v=1.2`, {
          body: { username: 'echo-bot-pw', password: 'bot-pass' },
        });
        const session = json<{
          bearer: string;
          csrf: string;
          csdsCollectionResponse: { baseURIs: { service: string }[] };
        }>(login);
        assert.ok(session.csdsCollectionResponse.baseURIs.some((entry) => entry.service === 'agentVep'));
        const cookie = /^session_id=[^;]+/.exec(login.header('set-cookie') ?? '')![0];

        // Step 2: agent session, loginData with credentials (ignored).
        const created = await bot('POST', `/api/account/${accountId}/agentSession.json?v=1&NC=true`, {
          bearer: session.bearer,
          body: { loginData: { userName: 'echo-bot-pw', password: 'bot-pass' } },
        });
        assert.equal(created.status, 201);
        const requestURL = json<{ agentSessionLocation: { link: Link } }>(created).agentSessionLocation.link['@href'];
        assert.match(requestURL, /\/agentSession\/\d+$/);

        // Step 3: availability through POST + override.
        const availability = await bot('POST', `${pathOf(requestURL)}/availability.json?v=1&NC=true`, {
          bearer: session.bearer,
          override: 'PUT',
          body: { availability: { chat: 'Online' } },
        });
        assert.deepEqual(json(availability), { availability: { chat: 'Online' } });

        // Step 4: nothing rings yet.
        const ring0 = json<{ incomingRequests: { ringingCount: string } }>(
          await bot('GET', `${pathOf(requestURL)}/incomingRequests.json?v=1&NC=true`, { bearer: session.bearer }),
        );
        assert.deepEqual(ring0, { incomingRequests: { ringingCount: '0' } });

        // A visitor asks for a chat on the Server Chat API.
        const requested = await visitor('POST', `/api/account/${accountId}/chat/request.json?${visitorQuery}`, {
          request: { skill: 'Sales' },
        });
        assert.equal(requested.status, 201);
        const visitorChat = pathOf(requested.header('location')!);

        const ring1 = json<{ incomingRequests: { link: Link; ringingCount: string } }>(
          await bot('GET', `${pathOf(requestURL)}/incomingRequests.json?v=1&NC=true`, { bearer: session.bearer }),
        );
        assert.equal(ring1.incomingRequests.ringingCount, '1');
        assert.equal(ring1.incomingRequests.link['@href'], `${requestURL}/incomingRequests`);

        // Step 5: accept by POSTing to the link's href + .json.
        const accepted = await bot('POST', `${pathOf(ring1.incomingRequests.link['@href'])}.json?v=1&NC=true`, {
          bearer: session.bearer,
          body: { chat: 'start' },
        });
        assert.equal(accepted.status, 201);
        const chatLink = json<{ chatLocation: { link: Link } }>(accepted).chatLocation.link['@href'];
        assert.equal(chatLink.split('/').pop(), visitorChat.split('/').pop());

        // Step 6: the first poll of the whole chat; the events next link is the bot's cursor.
        const first = json<{ chat: { events: { link: Link[]; event?: LineEvent | LineEvent[] } } }>(
          await bot('GET', `${pathOf(chatLink)}.json?v=1&NC=true`, { bearer: session.bearer }),
        );
        let next = first.chat.events.link.find((entry) => entry['@rel'] === 'next')!['@href'];
        assert.match(next, /\/events\?from=\d+$/);

        // The visitor writes three lines; the bot echoes each as HTML; the visitor ends.
        const replies: string[] = [];
        let ended = false;
        const poll = async () => {
          // SA rewrites the first /events to /events.json and appends &v=1&NC=true.
          const url = `${pathOf(next).replace('/events', '/events.json')}&v=1&NC=true`;
          const body = json<{ events: { link: Link[]; event?: LineEvent | LineEvent[] } }>(
            await bot('GET', url, { bearer: session.bearer }),
          );
          next = body.events.link.find((entry) => entry['@rel'] === 'next')!['@href'];
          for (const event of asList(body.events.event)) {
            if (event['@type'] === 'state' && event.state === 'ended') ended = true;
            if (event['@type'] === 'line' && event.source === 'visitor') {
              const text = `<p dir='ltr' style='direction: ltr; text-align: left;'>echo: ${event.text ?? ''}</p>`;
              const sent = await bot('POST', `${pathOf(chatLink)}/events.json?v=1&NC=true`, {
                bearer: session.bearer,
                body: { event: { '@type': 'line', text, textType: 'html' } },
              });
              assert.equal(sent.status, 201);
              assert.match(
                json<{ chatEventLocation: { link: Link } }>(sent).chatEventLocation.link['@href'],
                /\/events\/\d+$/,
              );
              replies.push(event.text ?? '');
            }
          }
        };
        for (const text of ['hello', 'how are you', 'bye']) {
          const line = await visitor('POST', `${visitorChat}/events.json?${visitorQuery}`, {
            event: { '@type': 'line', text },
          });
          assert.equal(line.status, 201);
          await poll();
        }
        assert.deepEqual(replies, ['hello', 'how are you', 'bye']);

        // The visitor receives every agent line, in order.
        const seen = json<{ events: { event: LineEvent[] } }>(
          await visitor('GET', `${visitorChat}/events.json?${visitorQuery}`),
        );
        const agentLines = seen.events.event.filter((event) => event.source === 'agent').map((event) => event.text);
        assert.deepEqual(agentLines, [
          '<p dir="ltr" style="direction:ltr;text-align:left">echo: hello</p>',
          '<p dir="ltr" style="direction:ltr;text-align:left">echo: how are you</p>',
          '<p dir="ltr" style="direction:ltr;text-align:left">echo: bye</p>',
        ]);

        // Step 9: the bot ends the chat: line 5 then ended; chatLocation names the state event.
        const end = await bot('POST', `${pathOf(chatLink)}/events.json?v=1&NC=true`, {
          bearer: session.bearer,
          body: { event: { '@type': 'state', state: 'ended' } },
        });
        assert.equal(end.status, 201);
        const endHref = json<{ chatLocation: { link: Link } }>(end).chatLocation.link['@href'];
        await poll();
        assert.ok(ended);
        const closing = json<{ events: { event: LineEvent[] } }>(
          await visitor('GET', `${visitorChat}/events.json?${visitorQuery}`),
        ).events.event.slice(-2);
        assert.deepEqual(
          closing.map((event) => [event['@type'], event.systemMessageId ?? event.state]),
          [
            ['line', '5'],
            ['state', 'ended'],
          ],
        );
        assert.ok(endHref.endsWith(`/events/${closing[1]!['@id']}`));

        // Step 10: logout with the cookie jar; the bearer is refused afterwards.
        const out = await bot('POST', `/api/account/${accountId}/logout?v=1.2`, {
          cookie,
          body: { csrf: session.csrf },
        });
        assert.equal(out.status, 200);
        const refused = await bot('GET', `${pathOf(requestURL)}/incomingRequests.json?v=1&NC=true`, {
          bearer: session.bearer,
        });
        assert.equal(refused.status, 401);
      });
    },
  );
}

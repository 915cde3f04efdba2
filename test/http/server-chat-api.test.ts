import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChatState } from '../../src/core/chats/chat-model.js';
import { chatsInState } from '../support/chats-in-state.js';
import { databaseTargets } from '../support/databases.js';
import { assertGolden } from '../support/golden.js';
import { send, type HttpResponse } from '../support/http-client.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

const demoSurveys = {
  preChat: {
    id: 40216,
    title: '',
    header: 'To help us serve you better, please provide some information before we begin your chat.',
    questions: {
      question: [
        {
          id: 12786273,
          order: 0,
          mandatory: true,
          validationType: 'alpha_numeric',
          logicId: 4,
          type: 'Dropdown Box',
          label: 'With whom would you like to chat?',
          entry: [
            { value: 'CATS', checked: false, logic: { showLogicId: 5 } },
            { value: 'DOGS', checked: false },
          ],
        },
        {
          id: 16314710,
          order: 1,
          mandatory: true,
          validationType: 'alpha_numeric',
          logicId: 5,
          type: 'Text Field',
          label: 'What is your name?',
        },
      ],
    },
  },
  offline: {
    id: 40290,
    title: '',
    header: 'Send A Message',
    questions: {
      question: {
        id: 13387460,
        order: 0,
        mandatory: false,
        validationType: 'alpha_numeric',
        logicId: 6,
        type: 'Text Area',
        label: 'What do you want? :',
      },
    },
  },
  exit: {
    id: 361348,
    title: '',
    header: '',
    questions: {
      question: [
        {
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
        {
          id: 4991311,
          order: 1,
          mandatory: false,
          validationType: 'email',
          logicId: 2,
          type: 'Text Field',
          label: 'If yes, please provide your email:',
        },
      ],
    },
  },
};

type Format = 'json' | 'xml';

/** Replaces what differs from run to run: ids, times, the port, the account. */
function normalize(text: string, accountId: string): string {
  return text
    .split(accountId)
    .join('<account>')
    .replace(/H\d+-[0-9a-f]{32}K\d{7}/g, '<chat>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}/g, '<iso-time>')
    .replace(/127\.0\.0\.1:\d+/g, '<host>')
    .replace(/("visitorId": |<visitorId>)\d+/g, '$1<visitor-id>')
    .replace(/("rtSessionId": |<rtSessionId>)\d+/g, '$1<rt-session-id>');
}

/** Golden text of a response: pretty JSON, or XML with one element per line. */
function goldenText(response: HttpResponse, format: Format, accountId: string): string {
  const body = format === 'json' ? JSON.stringify(response.json(), null, 2) : response.text.replace(/></g, '>\n<');
  return normalize(`${response.status} ${response.header('content-type') ?? ''}\n${body}`, accountId);
}

for (const target of await databaseTargets()) {
  describe(`Server Chat API over HTTP on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();
    const appKey = seed.accounts[0]!.appKeys[0]!;
    Object.assign(seed.accounts[0]!, { surveys: demoSurveys });

    before(async () => {
      server = await startTestServer(target);
      await applySeed(server.core, seed);
    });
    after(() => server.close());

    for (const format of ['json', 'xml'] as const) {
      describe(`every method in ${format.toUpperCase()}`, () => {
        const accept = format === 'json' ? 'application/json' : 'application/xml';
        const base = `/api/account/${accountId}`;
        const query = `?v=1&NC=true&appKey=${appKey}`;
        const call = (
          method: string,
          path: string,
          options: { body?: unknown; xml?: string; override?: string; headers?: Record<string, string> } = {},
        ) =>
          send(
            server.baseUrl,
            method,
            path.includes('?') ? path.replace('?', `.${format}?`) : `${path}.${format}${query}`,
            {
              headers: {
                ...(options.override ? { 'X-HTTP-Method-Override': options.override } : {}),
                ...(format === 'xml' && options.xml !== undefined ? { 'Content-Type': 'application/xml' } : {}),
                ...options.headers,
              },
              ...(format === 'xml' && options.xml !== undefined
                ? { body: options.xml }
                : options.body === undefined
                  ? {}
                  : { body: options.body }),
            },
          );
        const golden = (name: string, response: HttpResponse) =>
          assertGolden(`visitor/${name}.${format}`, goldenText(response, format, accountId));
        let chatPath = '';

        it('row 0: the account resource links every account-level resource by relation', async () => {
          const response = await call('GET', base, { headers: { Accept: accept } });
          assert.equal(response.status, 200);
          golden('00-account', response);
        });

        it('rows 1–3: availability, slots and estimated wait from agent state', async () => {
          golden('01-availability-nobody', await call('GET', `${base}/chat/availability`));
          golden('03-estimated-wait-nobody', await call('GET', `${base}/chat/estimatedWaitTime`));
          await putAgentOnline(server, accountId, 2001);
          const available = await call('GET', `${base}/chat/availability`, {});
          golden('01-availability', available);
          golden('02-available-slots', await call('GET', `${base}/chat/availableSlots`));
          golden('03-estimated-wait', await call('GET', `${base}/chat/estimatedWaitTime`));
        });

        it('rows 4–6: pre-chat and offline surveys, and an offline message kept', async () => {
          golden('04-pre-chat-survey', await call('GET', `${base}/chat/preSurvey`));
          golden('05-offline-survey', await call('GET', `${base}/chat/offlineSurvey`));
          const posted = await call('POST', `${base}/chat/offlineSurvey`, {
            override: 'PUT',
            body: { survey: { id: 40290, question: { id: 13387460, answer: `message in ${format}` } } },
            xml: `<survey><id>40290</id><question><id>13387460</id><answer>message in ${format}</answer></question></survey>`,
          });
          assert.equal(posted.status, 200, posted.text);
          assert.equal(posted.text, '');
          const kept = await server.core.chats.surveys.listOffline(accountId, 10);
          assert.ok(kept.some((message) => message.survey.answers[0]?.answer === `message in ${format}`));
        });

        it('rows 8–10: start chat (201 + Location), the chat resource and its events', async () => {
          const started = await call('POST', `${base}/chat/request`, {
            body: {
              request: {
                skill: 'Sales',
                LETagVisitorId: 'rloXnVgEQ-iQuoOytvKNqA',
                LETagSessionId: 'rN82d4rATN6EuiA4cJwaPg',
                LETagContextId: '2',
                engagementId: 27469613,
                campaignId: 26948813,
                language: 'en-US',
                survey: {
                  id: 40216,
                  question: [
                    { id: 12786273, answer: 'CATS' },
                    { id: 16314710, answer: 'John' },
                  ],
                },
                preChatLines: { line: ['Came from the pricing page'] },
              },
            },
            xml: '<request><skill>Sales</skill><LETagVisitorId>rloXnVgEQ-iQuoOytvKNqA</LETagVisitorId><LETagSessionId>rN82d4rATN6EuiA4cJwaPg</LETagSessionId><LETagContextId>2</LETagContextId><engagementId>27469613</engagementId><campaignId>26948813</campaignId><language>en-US</language><survey><id>40216</id><question><id>12786273</id><answer>CATS</answer></question><question><id>16314710</id><answer>John</answer></question></survey><preChatLines><line>Came from the pricing page</line></preChatLines></request>',
          });
          assert.equal(started.status, 201, started.text);
          assert.equal(started.text, '');
          const location = started.header('location') ?? '';
          assert.match(
            location,
            new RegExp(`^http://127\\.0\\.0\\.1:\\d+/api/account/${accountId}/chat/H\\d+-[0-9a-f]{32}K\\d{7}$`),
          );
          chatPath = new URL(location).pathname;
          const stored = await server.store.chats.get(accountId, chatPath.split('/').pop()!);
          assert.equal(stored?.preChatSurvey?.answers.length, 2);
          golden('09-chat-waiting', await call('GET', chatPath));
          golden('10-events', await call('GET', `${chatPath}/events`));
        });

        it('rows 11–12: lines only while chatting (400 / 5 before), 201 + Location, end chat', async () => {
          const line = {
            body: { event: { '@type': 'line', text: 'hi' } },
            xml: '<event type="line"><text>hi</text></event>',
          };
          const early = await call('POST', `${chatPath}/events`, line);
          assert.equal(early.status, 400);
          golden('11-line-while-waiting', early);
          await acceptAs(server, accountId, chatPath.split('/').pop()!, 2001);
          const added = await call('POST', `${chatPath}/events`, line);
          assert.equal(added.status, 201, added.text);
          assert.equal(added.text, '');
          assert.match(added.header('location') ?? '', /\/events\/5$/);
          // Stored before the 201 was sent.
          const events = await server.store.chats.events(accountId, chatPath.split('/').pop()!, 5);
          assert.equal(events[0]?.text, 'hi');
          golden('11-events-after-line', await call('GET', `${chatPath}/events?from=3&v=1&appKey=${appKey}`));
        });

        it('rows 13–18: info, visitor name, visitor and agent typing', async () => {
          golden('13-info', await call('GET', `${chatPath}/info`));
          golden('14-visitor-name-default', await call('GET', `${chatPath}/info/visitorName`));
          const named = await call('POST', `${chatPath}/info/visitorName`, {
            override: 'PUT',
            body: { visitorName: 'Phil' },
            xml: '<visitorName>Phil</visitorName>',
          });
          assert.equal(named.status, 200, named.text);
          golden('14-visitor-name', await call('GET', `${chatPath}/info/visitorName`));
          const typing = await call('POST', `${chatPath}/info/visitorTyping`, {
            override: 'PUT',
            body: { visitorTyping: 'typing' },
            xml: '<visitorTyping>typing</visitorTyping>',
          });
          assert.equal(typing.status, 200, typing.text);
          golden('16-visitor-typing', await call('GET', `${chatPath}/info/visitorTyping`));
          golden('18-agent-typing', await call('GET', `${chatPath}/info/agentTyping`));
        });

        it('rows 12, 19–23: end, exit survey, transcript without SMTP, custom variables', async () => {
          const custom = await call('POST', `${chatPath}/customVariables`, {
            override: 'PUT',
            body: { customVariables: { customVariable: [{ name: 'plan', value: 'gold' }] } },
            xml: '<customVariables><customVariable><name>plan</name><value>gold</value></customVariable></customVariables>',
          });
          assert.equal(custom.status, 200, custom.text);
          const end = {
            body: { event: { '@type': 'state', state: 'ended' } },
            xml: '<event type="state"><state>ended</state></event>',
          };
          const ended = await call('POST', `${chatPath}/events`, end);
          assert.equal(ended.status, 201, ended.text);
          golden('12-end-again', await call('POST', `${chatPath}/events`, end));
          golden('12-chat-ended', await call('GET', chatPath));
          golden('19-exit-survey', await call('GET', `${chatPath}/exitSurvey`));
          const answered = await call('POST', `${chatPath}/exitSurvey`, {
            override: 'PUT',
            body: {
              survey: {
                id: 361348,
                question: [
                  { id: 4991315, answer: 'yes' },
                  { id: 4991311, answer: 'phil@example.com' },
                ],
              },
            },
            xml: '<survey><id>361348</id><question><id>4991315</id><answer>yes</answer></question><question><id>4991311</id><answer>phil@example.com</answer></question></survey>',
          });
          assert.equal(answered.status, 200, answered.text);
          const stored = await server.store.chats.get(accountId, chatPath.split('/').pop()!);
          assert.equal(stored?.exitSurvey?.answers[1]?.answer, 'phil@example.com');
          assert.deepEqual(stored?.customVariables, [{ name: 'plan', value: 'gold' }]);
          golden(
            '21-transcript-not-configured',
            await call('POST', `${chatPath}/transcriptRequest`, {
              override: 'PUT',
              body: { email: 'phil@example.com', timezoneOffset: -7200000 },
              xml: '<transcriptRequest><email>phil@example.com</email></transcriptRequest>',
            }),
          );
        });
      });
    }

    describe('errors', () => {
      const base = `/api/account/${accountId}`;
      const get = (path: string, headers: Record<string, string> = {}) =>
        send(server.baseUrl, 'GET', path, { headers });
      const envelope = (response: HttpResponse) =>
        response.json() as { error: { internalCode: number; message: string } };

      it('answers a request without a key with 401 / 5 and the observed message', async () => {
        const response = await get(`${base}/chat/availability.json`);
        assert.equal(response.status, 401);
        assert.equal(envelope(response).error.internalCode, 5);
        assert.match(
          envelope(response).error.message,
          /^Bad authorization request\. general_problem=unknown_authorization_type/,
        );
      });

      it('answers a rejected key with 401 and the lp_problem text body', async () => {
        const response = await get(`${base}/chat/availability.json?appKey=0000`);
        assert.equal(response.status, 401);
        assert.equal(response.header('content-type'), 'text/plain');
        assert.equal(
          response.text,
          'lp_problem=consumer_key_rejected&lp_problem_advice=the appKey is permanently unacceptable to the Service Provider',
        );
      });

      it("accepts the key in the header, and LivePerson's global key", async () => {
        assert.equal(
          (await get(`${base}/chat/availability.json`, { Authorization: `LivePerson appKey=${appKey}` })).status,
          200,
        );
        assert.equal((await get(`${base}/chat/availability.json?appKey=721c180b09eb463d9f3191c41762bb68`)).status, 200);
        // Postman sends the raw key as the whole header next to a valid query key.
        assert.equal(
          (await get(`${base}/chat/availability.json?appKey=${appKey}`, { Authorization: appKey })).status,
          200,
        );
      });

      it('answers unknown chats with 404 / 42 and a bad from with 400 / 40', async () => {
        const unknown = await get(`${base}/chat/H1-0123456789abcdef0123456789abcdefK1234567.json?appKey=${appKey}`);
        assert.equal(unknown.status, 404);
        assert.equal(envelope(unknown).error.internalCode, 42);
        const started = await send(server.baseUrl, 'POST', `${base}/chat/request.json?appKey=${appKey}`, {
          body: { request: {} },
        });
        const chat = new URL(started.header('location')!).pathname;
        assert.equal((await get(`${chat}.json?from=4?v=1&appKey=${appKey}`)).status, 200);
        const bad = await get(`${chat}.json?from=-1&appKey=${appKey}`);
        assert.equal(bad.status, 400);
        assert.equal(envelope(bad).error.internalCode, 40);
      });

      it('refuses blocked visitors with 403 / 43', async () => {
        const blocked = accountSeed();
        Object.assign(blocked.seed.accounts[0]!, { settings: { blockedIps: ['203.0.113.9'] } });
        await applySeed(server.core, blocked.seed);
        const response = await send(
          server.baseUrl,
          'POST',
          `/api/account/${blocked.accountId}/chat/request.json?appKey=${blocked.seed.accounts[0]!.appKeys[0]!}`,
          {
            body: { request: { visitorIp: '203.0.113.9' } },
          },
        );
        assert.equal(response.status, 403);
        assert.equal(envelope(response).error.internalCode, 43);
      });

      it('validates the chat request and the surveys with 400 / 40', async () => {
        const post = (body: unknown) =>
          send(server.baseUrl, 'POST', `${base}/chat/request.json?appKey=${appKey}`, { body });
        for (const request of [
          { maxWaitTime: 86_401 },
          { agent: 'alice', skill: 'Sales' },
          { serviceQueue: 'q1' },
          { interactionTimeout: 'soon' },
          { survey: { id: 40216, question: [{ id: 12786273, answer: 'CATS' }] } },
          { survey: { id: 40216, question: [{ id: 999, answer: 'x' }] } },
        ]) {
          const response = await post({ request });
          assert.equal(response.status, 400, JSON.stringify(request));
          assert.equal(envelope(response).error.internalCode, 40);
        }
        const before = (await chatsInState(server, accountId, ChatState.WAITING)).length;
        assert.equal((await post('{"request": {')).status, 400);
        assert.equal((await chatsInState(server, accountId, ChatState.WAITING)).length, before);
      });

      it('treats a plain POST to a PUT-only resource as the PUT, and an unknown override as 405 / 44', async () => {
        const started = await send(server.baseUrl, 'POST', `${base}/chat/request.json?appKey=${appKey}`, {
          body: { request: {} },
        });
        const chat = new URL(started.header('location')!).pathname;
        const named = await send(server.baseUrl, 'POST', `${chat}/info/visitorName.json?appKey=${appKey}`, {
          body: { visitorName: 'Ann' },
        });
        assert.equal(named.status, 200);
        const deleted = await send(server.baseUrl, 'POST', `${chat}/info/visitorName.json?appKey=${appKey}`, {
          body: {},
          headers: { 'X-HTTP-Method-Override': 'DELETE' },
        });
        assert.equal(deleted.status, 405);
        assert.equal(envelope(deleted).error.internalCode, 44);
      });
    });
  });
}

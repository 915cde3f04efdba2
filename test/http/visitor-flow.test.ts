import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { assertGolden } from '../support/golden.js';
import { send } from '../support/http-client.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

interface EventBody {
  '@id': string;
  '@type': string;
  state?: string;
  text?: string;
  by?: string;
  source?: string;
  systemMessageId?: number | string;
}
interface ChatBody {
  chat: {
    link: { '@href': string; '@rel': string }[];
    events: { link: { '@href': string; '@rel': string }[]; event?: EventBody | EventBody[] };
    info: Record<string, unknown>;
  };
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** An HS256 JWT as a brand's identity provider would issue it. */
function jwt(claims: Record<string, unknown>, secret: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

for (const target of await databaseTargets()) {
  describe(`the visitor flow of server-chat §6 on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();
    const appKey = seed.accounts[0]!.appKeys[0]!;
    const secret = 'a-shared-secret-of-the-brand-idp';
    Object.assign(seed.accounts[0]!, { settings: { visitorAuthentication: { jwtSecret: secret, required: false } } });
    const A = `/api/account/${accountId}`;
    const q = `v=1&NC=true&appKey=${appKey}`;
    const put = (path: string, body: unknown) =>
      send(server.baseUrl, 'POST', path, { body, headers: { 'X-HTTP-Method-Override': 'PUT' } });

    before(async () => {
      server = await startTestServer(target);
      await applySeed(server.core, seed);
    });
    after(() => server.close());

    it('runs availability → request → wait → accept → talk → end → exit survey, as clients read it', async () => {
      await putAgentOnline(server, accountId, 2001);
      // Step 1–2: availability and queue information.
      assert.deepEqual((await send(server.baseUrl, 'GET', `${A}/chat/availability.json?${q}&skill=Sales`)).json(), {
        availability: true,
      });
      assert.deepEqual(
        (await send(server.baseUrl, 'GET', `${A}/chat/estimatedWaitTime.json?${q}&skill=Sales`)).json(),
        { estimatedWaitTime: 0 },
      );
      assert.deepEqual((await send(server.baseUrl, 'GET', `${A}/chat/availableSlots.json?${q}&skill=Sales`)).json(), {
        availableSlots: 3,
      });

      // Step 5: request the chat.
      const requested = await send(server.baseUrl, 'POST', `${A}/chat/request.json?${q}`, {
        body: {
          request: { skill: 'Sales', interactionTimeout: 40, preChatLines: { line: ['Came from the pricing page'] } },
        },
      });
      assert.equal(requested.status, 201);
      const location = requested.header('location')!;
      const chatPath = new URL(location).pathname;
      const chatId = chatPath.split('/').pop()!;

      // Step 6: the first read; next = from=3.
      const first = (await send(server.baseUrl, 'GET', `${chatPath}.json?${q}`)).json() as ChatBody;
      assert.deepEqual(
        first.chat.link.map((link) => link['@rel']),
        [
          'self',
          'events',
          'info',
          'next',
          'transcript-request',
          'transcript-with-subject-request',
          'exit-survey',
          'custom-variables',
        ],
      );
      assert.equal(first.chat.link[3]!['@href'], `${location}?from=3`);
      assert.deepEqual(
        asList(first.chat.events.event).map((event) => [event['@type'], event.systemMessageId ?? event.state]),
        [
          ['state', 'waiting'],
          ['line', 4],
          ['line', 0],
        ],
      );
      assert.equal(first.chat.info.agentName, undefined);

      // Step 7: name while waiting; step 8: polls while nobody accepts keep next at from=3.
      assert.equal(
        (await put(`${chatPath}/info/visitorName.json?v=1&appKey=${appKey}`, { visitorName: 'Phil' })).status,
        200,
      );
      const next = `${first.chat.link[3]!['@href']}&v=1&NC=true&appKey=${appKey}`.replace(
        `/chat/${chatId}?`,
        `/chat/${chatId}.json?`,
      );
      const idle = (
        await send(server.baseUrl, 'GET', new URL(next).pathname + new URL(next).search)
      ).json() as ChatBody;
      assert.equal(idle.chat.events.event, undefined);
      assert.equal(idle.chat.link[3]!['@href'], `${location}?from=3`);
      const early = await send(server.baseUrl, 'POST', `${chatPath}/events.json?${q}`, {
        body: { event: { '@type': 'line', text: 'anyone?' } },
      });
      assert.equal(early.status, 400);

      // Step 9: the agent accepts; the next poll brings chatting and line 3, info the agent.
      await acceptAs(server, accountId, chatId, 2001);
      const accepted = (await send(server.baseUrl, 'GET', `${chatPath}.json?from=3&${q}`)).json() as ChatBody;
      assert.deepEqual(
        asList(accepted.chat.events.event).map((event) => event.systemMessageId ?? event.state),
        ['chatting', 3],
      );
      assert.equal(asList(accepted.chat.events.event)[1]!.text, 'You are now chatting with Alice.');
      assert.equal(accepted.chat.info.agentName, 'Alice');
      assert.equal(accepted.chat.info.visitorName, 'Phil');

      // Step 10: talk; one new event is an object, not an array.
      const line = await send(server.baseUrl, 'POST', `${chatPath}/events.json?${q}`, {
        body: { event: { '@type': 'line', text: 'hi' } },
      });
      assert.equal(line.status, 201);
      const afterLine = (await send(server.baseUrl, 'GET', `${chatPath}.json?from=5&${q}`)).json() as ChatBody;
      assert.ok(!Array.isArray(afterLine.chat.events.event));
      assert.deepEqual(afterLine.chat.events.event, {
        ...(afterLine.chat.events.event as EventBody),
        '@id': '5',
        '@type': 'line',
        text: 'hi',
        by: 'Phil',
        source: 'visitor',
      });
      const alice = (await server.store.users.get(accountId, 2001))!;
      await server.core.chats.agentActions.setTyping(accountId, chatId, alice, true);
      assert.deepEqual((await send(server.baseUrl, 'GET', `${chatPath}/info/agentTyping.json?${q}`)).json(), {
        agentTyping: 'typing',
      });
      await server.core.chats.agentActions.sendLine(accountId, chatId, alice, '<div dir="ltr">hello</div>', 'html');
      const reply = (await send(server.baseUrl, 'GET', `${chatPath}/events.json?from=6&${q}`)).json() as {
        events: { event: EventBody & { textType: string } };
      };
      assert.equal(reply.events.event.textType, 'html');
      assert.equal(reply.events.event.by, 'Alice');

      // Step 11–12: keep-alive, then end; the ended chat stays readable.
      assert.equal((await send(server.baseUrl, 'GET', `${chatPath}/info.json?${q}`)).status, 200);
      const end = await send(server.baseUrl, 'POST', `${chatPath}/events.json?${q}`, {
        body: { event: { '@type': 'state', state: 'ended' } },
      });
      assert.equal(end.status, 201);
      const ended = (await send(server.baseUrl, 'GET', `${chatPath}.json?from=7&${q}`)).json() as ChatBody;
      assert.deepEqual(ended.chat.events.event, {
        ...(ended.chat.events.event as EventBody),
        '@id': '7',
        state: 'ended',
      });
      assert.equal(ended.chat.info.state, 'ended');
      assert.equal((await send(server.baseUrl, 'GET', `${chatPath}/events.json?${q}`)).status, 200);
    });

    describe('visitor authentication (row 7, server-chat §3.7)', () => {
      const conversation = (body: unknown, format: 'json' | 'xml' = 'json') =>
        send(server.baseUrl, 'POST', `${A}/conversation.${format}?${q}`, { body });
      const ssoKey = () => jwt({ sub: 'visitor-42', exp: Math.floor(server.clock.now() / 1000) + 600 }, secret);

      for (const format of ['json', 'xml'] as const) {
        it(`answers 200 with participantId and conversationId (${format})`, async () => {
          const response = await conversation(
            { authChatConnId: 568046210, ssoKey: ssoKey(), engagementId: 567609310, LETagContextId: '2' },
            format,
          );
          assert.equal(response.status, 200, response.text);
          const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;
          const text =
            format === 'json' ? JSON.stringify(response.json(), null, 2) : response.text.replace(/></g, '>\n<');
          assertGolden(
            `visitor/07-conversation.${format}`,
            `${response.status} ${response.header('content-type')}\n${text.replace(uuid, '<uuid>')}`,
          );
        });
      }

      it('refuses a forged, expired or missing ssoKey', async () => {
        const forged = jwt({ sub: 'x' }, 'another-secret-entirely!');
        const expired = jwt({ sub: 'x', exp: Math.floor(server.clock.now() / 1000) - 1 }, secret);
        for (const key of [forged, expired, 'not.a.jwt']) {
          const response = await conversation({ ssoKey: key });
          assert.equal(response.status, 401, key);
          assert.equal((response.json() as { error: { internalCode: number } }).error.internalCode, 10);
        }
        assert.equal((await conversation({})).status, 400);
      });

      it('carries participantId into the chat, and checks the pair', async () => {
        const pair = (await conversation({ ssoKey: ssoKey() })).json() as {
          participantId: string;
          conversationId: string;
        };
        const started = await send(server.baseUrl, 'POST', `${A}/chat/request.json?${q}`, {
          body: { request: { ...pair } },
        });
        assert.equal(started.status, 201);
        const info = (
          await send(server.baseUrl, 'GET', `${new URL(started.header('location')!).pathname}/info.json?${q}`)
        ).json() as {
          info: { participantId: string };
        };
        assert.equal(info.info.participantId, pair.participantId);
        const mismatched = await send(server.baseUrl, 'POST', `${A}/chat/request.json?${q}`, {
          body: {
            request: { participantId: pair.participantId, conversationId: '00000000-0000-4000-8000-000000000000' },
          },
        });
        assert.equal(mismatched.status, 401);
      });

      it('is refused where the account has not enabled it, and required where it says so', async () => {
        const plain = accountSeed();
        await applySeed(server.core, plain.seed);
        const refused = await send(
          server.baseUrl,
          'POST',
          `/api/account/${plain.accountId}/conversation.json?appKey=${plain.seed.accounts[0]!.appKeys[0]!}`,
          {
            body: { ssoKey: ssoKey() },
          },
        );
        assert.equal(refused.status, 401);
        const strict = accountSeed();
        Object.assign(strict.seed.accounts[0]!, {
          settings: { visitorAuthentication: { jwtSecret: secret, required: true } },
        });
        await applySeed(server.core, strict.seed);
        const anonymous = await send(
          server.baseUrl,
          'POST',
          `/api/account/${strict.accountId}/chat/request.json?appKey=${strict.seed.accounts[0]!.appKeys[0]!}`,
          {
            body: { request: {} },
          },
        );
        assert.equal(anonymous.status, 401);
      });
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TYPING_TTL_MS } from '../../src/core/chats/typing.js';
import { agentClient, ok, visitorClient, type AgentSessionClient } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Typing flags expire unless renewed (docs/LEGACY-QUIRKS.md, TYPING_TTL_MS): a side that went away
// mid-word never says "not-typing". Every read path agrees, on both APIs, in JSON and XML. Time
// moves only with the manual clock.

const SECOND = 1_000;
const CHAT = { skill: 'Sales', interactionTimeout: 86_400 };

type Typing = 'typing' | 'not-typing';

/** The typing resources answer 200 with an empty body (chat-agent-api §3.20, server-chat §3.14). */
const answered = (response: { status: number; text: string }) => assert.equal(response.status, 200, response.text);

for (const target of await databaseTargets()) {
  describe(`typing that expires on ${target.name}`, { skip: target.unavailable, timeout: 120_000 }, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(target);
    });
    after(async () => {
      await server?.close();
    });

    /** A chat alice holds, and how each side reads and sets the typing flags. */
    async function chatting() {
      const { accountId, seed } = accountSeed();
      await applySeed(server.core, seed);
      const appKey = seed.accounts[0]!.appKeys[0]!;
      const visitor = visitorClient(server.baseUrl, accountId, appKey);
      const alice: AgentSessionClient = (await agentClient(server.baseUrl, accountId).signIn('alice', 'alice-pass'))
        .session;
      const chatId = await visitor.start(CHAT);
      assert.equal(await alice.accept(), chatId);
      const visitorPath = (sub: string, format = 'json') =>
        `/api/account/${accountId}/chat/${chatId}${sub}.${format}?v=1&NC=true&appKey=${appKey}`;
      const visitorGet = async <T>(sub: string) => ok<T>(await send(server.baseUrl, 'GET', visitorPath(sub)), 200);
      return {
        stored: () => server.store.chats.get(accountId, chatId),
        setAgent: async (typing: Typing) =>
          answered(await alice.put(`/chat/${chatId}/info/agentTyping`, { agentTyping: typing })),
        setVisitor: async (typing: Typing) =>
          answered(
            await send(server.baseUrl, 'PUT', visitorPath('/info/visitorTyping'), { body: { visitorTyping: typing } }),
          ),
        /** The agent's flag as each read path tells it: [visitor resource, visitor info, agent resource, agent info]. */
        async agentTyping(): Promise<string[]> {
          const xml = (await send(server.baseUrl, 'GET', visitorPath('/info', 'xml'))).text;
          return [
            (await visitorGet<{ agentTyping: string }>('/info/agentTyping')).agentTyping,
            (await visitorGet<{ info: { agentTyping: string } }>('/info')).info.agentTyping,
            /<agentTyping>([^<]*)<\/agentTyping>/.exec(xml)?.[1] ?? 'absent',
            ok<{ agentTyping: string }>(await alice.request('GET', `/chat/${chatId}/info/agentTyping`)).agentTyping,
            ok<{ info: { agentTyping: string } }>(await alice.request('GET', `/chat/${chatId}/info`)).info.agentTyping,
          ];
        },
        /** The visitor's flag as each read path tells it. */
        async visitorTyping(): Promise<string[]> {
          return [
            (await visitorGet<{ visitorTyping: string }>('/info/visitorTyping')).visitorTyping,
            (await visitorGet<{ info: { visitorTyping: string } }>('/info')).info.visitorTyping,
            ok<{ visitorTyping: string }>(await alice.request('GET', `/chat/${chatId}/info/visitorTyping`))
              .visitorTyping,
            ok<{ info: { visitorTyping: string } }>(await alice.request('GET', `/chat/${chatId}/info`)).info
              .visitorTyping,
          ];
        },
      };
    }

    const all = (value: Typing, count: number) => Array.from({ length: count }, () => value);

    it('reads an agent typing flag not renewed within the TTL as not-typing on both APIs', async () => {
      const chat = await chatting();
      await chat.setAgent('typing');
      assert.deepEqual(await chat.agentTyping(), all('typing', 5));
      server.clock.advance(TYPING_TTL_MS - 1);
      assert.deepEqual(await chat.agentTyping(), all('typing', 5));
      server.clock.advance(1);
      assert.deepEqual(await chat.agentTyping(), all('not-typing', 5));
    });

    it('keeps an agent typing flag that is renewed', async () => {
      const chat = await chatting();
      await chat.setAgent('typing');
      for (let round = 0; round < 4; round += 1) {
        server.clock.advance(4 * SECOND);
        await chat.setAgent('typing');
      }
      server.clock.advance(TYPING_TTL_MS - 1);
      assert.deepEqual(await chat.agentTyping(), all('typing', 5), '26 s after the first, 10 s after the last');
      await chat.setAgent('not-typing');
      assert.deepEqual(await chat.agentTyping(), all('not-typing', 5));
    });

    it('reads a visitor typing flag not renewed within the TTL as not-typing on both APIs', async () => {
      const chat = await chatting();
      await chat.setVisitor('typing');
      assert.deepEqual(await chat.visitorTyping(), all('typing', 4));
      server.clock.advance(TYPING_TTL_MS / 2);
      await chat.setVisitor('typing');
      server.clock.advance(TYPING_TTL_MS - 1);
      assert.deepEqual(await chat.visitorTyping(), all('typing', 4), 'renewed');
      server.clock.advance(1);
      assert.deepEqual(await chat.visitorTyping(), all('not-typing', 4));
    });

    it('stores when each flag was last set to typing', async () => {
      const chat = await chatting();
      const at = server.clock.now();
      await chat.setAgent('typing');
      await chat.setVisitor('typing');
      const stored = await chat.stored();
      assert.equal(stored?.agentTypingAt, at);
      assert.equal(stored?.visitorTypingAt, at);
    });
  });
}

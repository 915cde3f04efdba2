import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { agentClient, assertJsonError, visitorClient, type WireEvent } from '../support/chat-clients.js';
import { chatsInState } from '../support/chats-in-state.js';
import { databaseTargets } from '../support/databases.js';
import { parseInput } from '../../src/http/legacy/input.js';
import { postedEventBody } from '../../src/http/visitor-api/chat-schemas.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, withRestarts, type TestServer } from '../support/test-server.js';

/**
 * Idempotency-Key on the POSTs clients retry (docs/adr/0009-idempotency-keys.md): a retry with the
 * key of a request that was applied — answered or not — gets the first answer and changes nothing.
 */

const lineTexts = (events: WireEvent[], source: string): string[] =>
  events.filter((event) => event['@type'] === 'line' && event.source === source).map((event) => event.text ?? '');

/** A fresh account on `server` with Alice online and a chat she holds. */
async function chatInProgress(server: TestServer) {
  const { accountId, seed } = accountSeed();
  await applySeed(server.core, seed);
  const appKey = seed.accounts[0]!.appKeys[0]!;
  const visitor = visitorClient(server.baseUrl, accountId, appKey);
  const { session: agent } = await agentClient(server.baseUrl, accountId).signIn('alice', 'alice-pass');
  await agent.setAvailability('Online');
  const chatId = await visitor.start({ skill: 'Sales' });
  assert.equal(await agent.accept(), chatId);
  /** A visitor POST, with `key` as its Idempotency-Key when given. */
  const visitorPost = (path: string, body: unknown, key?: string) =>
    visitor.post(path, body, key === undefined ? {} : { 'Idempotency-Key': key });
  return { accountId, appKey, visitor, agent, chatId, visitorPost };
}

const line = (text: string) => ({ event: { '@type': 'line', text } });

const sameAnswer = (first: HttpResponse, second: HttpResponse) => {
  assert.equal(second.status, first.status, second.text);
  assert.equal(second.header('location'), first.header('location'));
  assert.equal(second.text, first.text);
};

for (const target of await databaseTargets()) {
  describe(`Idempotency-Key on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(target);
    });
    after(() => server.close());

    it('stores a visitor line retried with the same key once, and answers the retry as the first', async () => {
      const { visitor, chatId, visitorPost } = await chatInProgress(server);
      const key = randomUUID();
      const first = await visitorPost(`/chat/${chatId}/events.json`, line('only once'), key);
      assert.equal(first.status, 201, first.text);
      const retry = await visitorPost(`/chat/${chatId}/events.json`, line('only once'), key);
      sameAnswer(first, retry);
      assert.deepEqual(lineTexts(await visitor.events(chatId), 'visitor'), ['only once']);
    });

    it('stores an agent line retried with the same key once, with the same status, Location and body', async () => {
      const { agent, chatId } = await chatInProgress(server);
      const key = randomUUID();
      const post = () =>
        agent.request('POST', `/chat/${chatId}/events`, line('agent once'), { 'Idempotency-Key': key });
      const first = await post();
      assert.equal(first.status, 201, first.text);
      const retry = await post();
      sameAnswer(first, retry);
      assert.deepEqual(lineTexts(await agent.events(chatId), 'agent'), ['agent once']);
    });

    it('ends a chat once when the agent retries the end with its key, answering the same chatLocation', async () => {
      const { agent, chatId } = await chatInProgress(server);
      const post = () =>
        agent.request(
          'POST',
          `/chat/${chatId}/events`,
          { event: { '@type': 'state', state: 'ended' } },
          {
            'Idempotency-Key': 'end-1',
          },
        );
      const first = await post();
      assert.equal(first.status, 201, first.text);
      sameAnswer(first, await post());
      // Without the key the same retry is refused: the chat has ended (400 / 5).
      assertJsonError(
        await agent.request('POST', `/chat/${chatId}/events`, { event: { '@type': 'state', state: 'ended' } }),
        400,
        5,
      );
      const ends = (await agent.events(chatId)).filter((event) => event.state === 'ended');
      assert.equal(ends.length, 1);
    });

    it('starts one chat for a chat request retried with the same key, answering its Location again', async () => {
      const { accountId, seed } = accountSeed();
      await applySeed(server.core, seed);
      const appKey = seed.accounts[0]!.appKeys[0]!;
      const path = `/api/account/${accountId}/chat/request.json?v=1&NC=true&appKey=${appKey}`;
      const request = { request: { skill: 'Support' } };
      const key = randomUUID();
      const first = await send(server.baseUrl, 'POST', path, { body: request, headers: { 'Idempotency-Key': key } });
      assert.equal(first.status, 201, first.text);
      const retry = await send(server.baseUrl, 'POST', path, { body: request, headers: { 'Idempotency-Key': key } });
      sameAnswer(first, retry);
      assert.equal((await chatsInState(server, accountId, 'waiting')).length, 1);
    });

    it('refuses the same key with another line (422 / 41) and stores nothing for it', async () => {
      const { visitor, chatId, visitorPost } = await chatInProgress(server);
      const key = randomUUID();
      assert.equal((await visitorPost(`/chat/${chatId}/events.json`, line('first'), key)).status, 201);
      assertJsonError(await visitorPost(`/chat/${chatId}/events.json`, line('second'), key), 422, 41);
      assert.deepEqual(lineTexts(await visitor.events(chatId), 'visitor'), ['first']);
    });

    it("keeps keys per chat and per side: one chat's key means nothing to another chat or to the agent", async () => {
      const { visitor, agent, chatId, visitorPost } = await chatInProgress(server);
      const key = randomUUID();
      assert.equal((await visitorPost(`/chat/${chatId}/events.json`, line('from the visitor'), key)).status, 201);
      const agentPost = await agent.request('POST', `/chat/${chatId}/events`, line('from the agent'), {
        'Idempotency-Key': key,
      });
      assert.equal(agentPost.status, 201, agentPost.text);
      const events = await visitor.events(chatId);
      assert.deepEqual(lineTexts(events, 'visitor'), ['from the visitor']);
      assert.deepEqual(lineTexts(events, 'agent'), ['from the agent']);
    });

    it('refuses a key that is not 1 to 255 visible ASCII characters with 400 / 40', async () => {
      const { visitor, chatId, visitorPost } = await chatInProgress(server);
      assertJsonError(await visitorPost(`/chat/${chatId}/events.json`, line('x'), 'has a space'), 400, 40);
      assertJsonError(await visitorPost(`/chat/${chatId}/events.json`, line('x'), 'k'.repeat(256)), 400, 40);
      assert.deepEqual(lineTexts(await visitor.events(chatId), 'visitor'), []);
    });

    it('stores two lines posted without a key, as before', async () => {
      const { visitor, chatId, visitorPost } = await chatInProgress(server);
      assert.equal((await visitorPost(`/chat/${chatId}/events.json`, line('same'))).status, 201);
      assert.equal((await visitorPost(`/chat/${chatId}/events.json`, line('same'))).status, 201);
      assert.deepEqual(lineTexts(await visitor.events(chatId), 'visitor'), ['same', 'same']);
    });
  });

  // The server is closed gracefully here; test/server/idempotency-crash.test.ts kills a real one.
  describe(`Idempotency-Key across a restart on ${target.name}`, { skip: target.unavailable }, () => {
    it('stores a line once when its first answer was lost after the commit and the retry reaches a restarted server', async () => {
      await withRestarts(target, async (start) => {
        const first = await start();
        const key = randomUUID();
        const fixture = await chatInProgress(first);
        // The commit happens, the answer never leaves: the use case alone, then the server closes.
        const committedEventId = await first.core.chats.visitor.post(
          fixture.accountId,
          fixture.chatId,
          parseInput(postedEventBody, line('in flight at the restart')),
          key,
        );
        await first.close();

        const second = await start({ startTime: first.clock.now() + 5_000 });
        const { accountId, chatId, appKey } = fixture;
        const visitor = visitorClient(second.baseUrl, accountId, appKey);
        const retry = await visitor.post(`/chat/${chatId}/events.json`, line('in flight at the restart'), {
          'Idempotency-Key': key,
        });
        assert.equal(retry.status, 201, retry.text);
        assert.match(retry.header('location') ?? '', new RegExp(`/events/${committedEventId}$`));
        assert.deepEqual(lineTexts(await visitor.events(chatId), 'visitor'), ['in flight at the restart']);
      });
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, VisitorClient, type Sleep } from '../../packages/sdk/src/index.js';
import { chatsInState } from '../support/chats-in-state.js';
import { databaseTargets } from '../support/databases.js';
import { describeRequest, hasLine, startSdkServer } from '../support/sdk.js';

interface SeenRequest {
  method: string;
  url: string;
  key: string | null;
}

/**
 * A fetch to the real server that loses the answer of the first request matching `pattern`: the
 * request reaches the server and is applied, then the client sees a network error — what a crash
 * or a dropped connection after the commit looks like from the client.
 */
function answerLostOnce(pattern: RegExp) {
  const seen: SeenRequest[] = [];
  let isLost = false;
  const wrapped: typeof fetch = async (input, init) => {
    const { url, method, headers } = describeRequest(input, init);
    seen.push({ method, url, key: headers.get('idempotency-key') });
    const response = await fetch(input, init);
    if (!isLost && method === 'POST' && pattern.test(url)) {
      isLost = true;
      await response.arrayBuffer();
      throw new TypeError('fetch failed');
    }
    return response;
  };
  const keysOf = (pattern: RegExp) =>
    seen.filter((request) => request.method === 'POST' && pattern.test(request.url)).map((request) => request.key);
  return { fetch: wrapped, keysOf };
}

const noWait: Sleep = () => Promise.resolve();

const [target] = await databaseTargets();

describe('the SDK names each change it may retry with an Idempotency-Key', () => {
  let fixture: Awaited<ReturnType<typeof startSdkServer>>;
  before(async () => {
    fixture = await startSdkServer(target!);
  });
  after(() => fixture.close());

  const visitorOptions = () => ({
    baseUrl: fixture.baseUrl,
    accountId: fixture.accountId,
    appKey: fixture.appKey,
    keepAliveMs: 0,
  });

  it('sends the same key on the retry of a chat request whose answer was lost, and one chat starts', async () => {
    const net = answerLostOnce(/\/chat\/request/);
    const visitor = await VisitorClient.startChat({
      ...visitorOptions(),
      skill: 'Support',
      fetch: net.fetch,
      sleep: noWait,
    });
    const [first, retry, ...more] = net.keysOf(/\/chat\/request/);
    assert.equal(more.length, 0);
    assert.match(first ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(retry, first);
    const waiting = await chatsInState(fixture.server, fixture.accountId, 'waiting');
    assert.deepEqual(
      waiting.map((chat) => chat.id),
      [visitor.id],
    );
    await visitor.end();
  });

  it('stores a visitor line and an agent line once when their answers were lost and the SDK retried', async () => {
    const { baseUrl, accountId } = fixture;
    const visitorNet = answerLostOnce(/\/events/);
    const agentNet = answerLostOnce(/\/events/);
    const alice = await AgentClient.login({
      baseUrl,
      accountId,
      username: 'alice',
      password: 'alice-pass',
      fetch: agentNet.fetch,
      sleep: noWait,
    });
    await alice.setAvailability('Online');
    const visitor = await VisitorClient.startChat({
      ...visitorOptions(),
      skill: 'Sales',
      fetch: visitorNet.fetch,
      sleep: noWait,
    });
    const chat = await alice.acceptNext();
    assert.ok(chat !== null, 'the chat rang at alice');

    const visitorEventId = await visitor.sendLine('said once by the visitor');
    const agentEventId = await chat.sendLine('said once by alice');

    const [visitorFirst, visitorRetry] = visitorNet.keysOf(/\/events/);
    assert.ok(visitorFirst !== null && visitorFirst !== undefined);
    assert.equal(visitorRetry, visitorFirst);
    const [agentFirst, agentRetry] = agentNet.keysOf(/\/events/);
    assert.ok(agentFirst !== null && agentFirst !== undefined);
    assert.equal(agentRetry, agentFirst);

    const events = await chat.history();
    const lines = events.filter((event) => event.type === 'line' && event.source !== 'system');
    assert.deepEqual(
      lines.map((event) => [event.id, event.text]),
      [
        [visitorEventId, 'said once by the visitor'],
        [agentEventId, 'said once by alice'],
      ],
    );
    assert.ok(hasLine(events, 'visitor', 'said once by the visitor'));

    // A new request is a new key: the same text sent again is a second line.
    await visitor.sendLine('said once by the visitor');
    const keys = visitorNet.keysOf(/\/events/);
    assert.equal(keys.length, 3);
    assert.notEqual(keys[2], visitorFirst);
    await chat.end();
    await alice.logout();
  });

  it('sends no key when told not to, for servers whose CORS answer does not allow the header', async () => {
    const net = answerLostOnce(/^$/);
    const visitor = await VisitorClient.startChat({
      ...visitorOptions(),
      skill: 'Support',
      fetch: net.fetch,
      sleep: noWait,
      sendIdempotencyKeys: false,
    });
    await visitor.end();
    // The chat request and the end, each of which carries a key by default.
    assert.deepEqual(net.keysOf(/\/chat\/request|\/events/), [null, null]);
  });
});

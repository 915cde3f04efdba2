import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { AgentNotice } from '../../src/core/agents/agent-notifications.js';
import { createSubscriberTable } from '../../src/memory/subscriber-table.js';
import { openRedisConnection, type RedisConnection } from '../../src/redis/redis-connection.js';
import { createRedisRateLimiter } from '../../src/redis/redis-rate-limiter.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send } from '../support/http-client.js';
import { redisUnavailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { relayAccount } from '../support/relay-account.js';
import { createTestCore } from '../support/test-core.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

const [sqlite] = await databaseTargets();
assert.ok(sqlite !== undefined);
const unavailable = redisUnavailable();

describe('request budgets in a Redis that is away', { skip: unavailable }, () => {
  let redis: RedisServer;
  let connection: RedisConnection;
  let server: TestServer;
  const { accountId, seed } = accountSeed();
  const appKey = seed.accounts[0]?.appKeys[0] ?? '';

  before(async () => {
    redis = await startRedisServer();
    connection = openRedisConnection(redis.url);
    const clock = new ManualClock();
    server = await startTestServer(sqlite, {
      rateLimiter: createRedisRateLimiter(connection.commands, clock, `test-${randomUUID()}:`),
    });
    await applySeed(server.core, seed);
    await eventually('Redis connected', () => connection.condition() === 'ok');
  });
  after(async () => {
    await server.close();
    await connection.close();
    await redis.close();
  });

  const availability = () =>
    send(server.baseUrl, 'GET', `/api/account/${accountId}/chat/availability.json?v=1&NC=true&appKey=${appKey}`);

  it('answers 503 with Retry-After and the documented error body, never admitting the request uncounted', async () => {
    assert.equal((await availability()).status, 200);
    await redis.stop();
    const refused = await availability();
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.header('retry-after'), '1');
    assert.deepEqual(refused.json(), {
      error: {
        time: (refused.json() as { error: { time: string } }).error.time,
        message: 'The rate limiter is unavailable; try again shortly',
        internalCode: 99,
        responseStatus: 'SERVICE_UNAVAILABLE',
      },
    });
    await redis.start();
    await eventually('Redis reconnected', () => connection.condition() === 'ok');
    assert.equal((await availability()).status, 200);
  });
});

describe('waiters after the bus resumed', () => {
  // A bus that can say it resumed, as the Redis bus does once its subscription is back.
  const subscribers = createSubscriberTable(() => undefined);
  let server: TestServer;

  before(async () => {
    server = await startTestServer(sqlite, { bus: { publish: subscribers.deliver, subscribe: subscribers.subscribe } });
  });
  after(() => server.close());

  it('answers a held long-poll with a line another node posted while this one heard nothing', async () => {
    const room = await relayAccount(server);
    const chatId = await room.chatting();
    // Another node on the same database, whose announcements never reach this one.
    const otherNode = createTestCore(server.store, server.clock);
    const waiting = server.core.chats.watch.size();
    const pending = send(
      server.baseUrl,
      'GET',
      `/api/account/${room.accountId}/chat/${chatId}/events.json?from=4&wait=60&v=1&NC=true&appKey=${room.appKey}`,
    );
    await eventually('the long-poll to wait', () => server.core.chats.watch.size() > waiting);
    await otherNode.chats.agentActions.sendLine(room.accountId, chatId, room.bot, 'missed by the bus');
    subscribers.deliver({ type: 'bus.resumed' });
    const answer = await pending;
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /missed by the bus/);
  });

  it('tells an agent session what another node changed meanwhile, and only that', async () => {
    const room = await relayAccount(server);
    const kept = await room.chatting();
    const ended = await room.chatting();
    const [session] = await server.store.agentSessions.listLive(room.accountId);
    assert.ok(session !== undefined);
    const notices: AgentNotice[] = [];
    const stop = await server.core.agents.notifications.watch(
      session,
      (notice) => notices.push(notice),
      () => undefined,
    );
    try {
      const told = notices.length;
      const otherNode = createTestCore(server.store, server.clock);
      await otherNode.chats.visitor.post(room.accountId, ended, { kind: 'end' });
      assert.equal(notices.length, told, 'this node heard of the other node’s change');
      subscribers.deliver({ type: 'bus.resumed' });
      await eventually('the session to be told', () => notices.length > told);
      assert.deepEqual(notices.slice(told), [{ kind: 'chat', chatId: ended, state: 'ended' }]);
      assert.ok(
        notices.every((notice) => notice.kind !== 'chat' || notice.chatId !== kept || notice.state === 'chatting'),
      );
    } finally {
      stop();
    }
  });

  it('sends an event stream what another node posted meanwhile, each event once', async () => {
    const room = await relayAccount(server);
    const chatId = await room.chatting();
    const waiting = server.core.chats.watch.size();
    const url = new URL(server.baseUrl);
    let raw = '';
    const stream = request({
      host: url.hostname,
      port: url.port,
      path: `/api/account/${room.accountId}/chat/${chatId}/events.json?from=4&v=1&NC=true&appKey=${room.appKey}`,
      headers: { accept: 'text/event-stream' },
      agent: false,
    });
    stream.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (raw += chunk));
    });
    stream.on('error', () => undefined);
    stream.end();
    try {
      await eventually('the stream to wait', () => server.core.chats.watch.size() > waiting);
      const otherNode = createTestCore(server.store, server.clock);
      await otherNode.chats.agentActions.sendLine(room.accountId, chatId, room.bot, 'missed by the bus');
      subscribers.deliver({ type: 'bus.resumed' });
      await eventually('the missed line', () => raw.includes('missed by the bus'));
      // Another resume reads again and finds nothing new; a line of this node follows.
      subscribers.deliver({ type: 'bus.resumed' });
      await server.core.chats.agentActions.sendLine(room.accountId, chatId, room.bot, 'heard on the bus');
      await eventually('the next line', () => raw.includes('heard on the bus'));
      assert.deepEqual(
        [...raw.matchAll(/^id: ?(\d+)$/gm)].map((match) => match[1]),
        ['4', '5'],
        raw,
      );
    } finally {
      stream.destroy();
    }
  });
});

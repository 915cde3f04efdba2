import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import { openRedisConnection, type RedisConnection } from '../../src/redis/redis-connection.js';
import { createRedisEventBus } from '../../src/redis/redis-event-bus.js';
import { eventually } from '../support/eventually.js';
import { redisUnavailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { eventBusContract } from './event-bus.contract.js';

const unavailable = redisUnavailable();
let server: RedisServer | undefined;
before(async () => {
  if (unavailable === undefined) server = await startRedisServer();
});
after(async () => server?.close());

eventBusContract({
  name: 'memory',
  unavailable: undefined,
  // One process: every "node" is the same bus.
  open: async () => {
    const bus = createMemoryEventBus();
    return { nodes: [bus], close: async () => undefined };
  },
});

eventBusContract({
  name: 'Redis',
  unavailable,
  async open(count) {
    assert.ok(server !== undefined);
    const redis = server;
    // One prefix per test: tests never see each other's events.
    const prefix = `test-${randomUUID()}:`;
    const connections: RedisConnection[] = [];
    const nodes = Array.from({ length: count }, () => {
      const connection = openRedisConnection(redis.url);
      connections.push(connection);
      return createRedisEventBus({ publisher: connection.commands, subscriber: connection.openSubscriber(), prefix });
    });
    await eventually('every node subscribed', () => nodes.every((bus) => bus.condition() === 'ok'));
    return {
      nodes,
      outage: async () => {
        await redis.stop();
        await eventually('every node to see Redis gone', () => nodes.every((bus) => bus.condition() === 'unreachable'));
        await redis.start();
      },
      close: async () => {
        for (const bus of nodes) bus.close();
        await Promise.all(connections.map((connection) => connection.close()));
      },
    };
  },
});

describe('the Redis bus after a break of one node’s publisher alone', { skip: unavailable }, () => {
  it('tells the other nodes to read from the store once the events it could not send are lost', async () => {
    assert.ok(server !== undefined);
    const prefix = `test-${randomUUID()}:`;
    const connections = [openRedisConnection(server.url), openRedisConnection(server.url)];
    const [first, second] = connections.map((connection) =>
      createRedisEventBus({ publisher: connection.commands, subscriber: connection.openSubscriber(), prefix }),
    );
    assert.ok(first !== undefined && second !== undefined);
    try {
      await eventually('both subscribed', () => first.condition() === 'ok' && second.condition() === 'ok');
      const resumed: string[] = [];
      second.subscribe('bus.resumed', (event) => resumed.push(event.type));
      first.subscribe('bus.resumed', () => assert.fail('the node that lost nothing was told to resume'));
      // The first node's command connection drops (and reconnects); its subscriber and the
      // second node never notice.
      connections[0]?.commands.disconnect(true);
      first.publish({ type: 'agent.availability', accountId: '1', sessionId: 's', userId: 1, availability: 'Away' });
      await eventually('the second node to resume', () => resumed.length === 1);
    } finally {
      first.close();
      second.close();
      await Promise.all(connections.map((connection) => connection.close()));
    }
  });
});

import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
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

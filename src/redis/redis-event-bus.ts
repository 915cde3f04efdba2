import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventBus } from '../core/ports.js';
import { createSubscriberTable } from '../memory/subscriber-table.js';
import { decodeBusMessage, encodeBusMessage } from './bus-codec.js';
import type { RedisCondition } from './redis-connection.js';

export interface RedisEventBusOptions {
  /** The client that PUBLISHes (the connection's command client). */
  publisher: Redis;
  /** A client of its own, given over to SUBSCRIBE. */
  subscriber: Redis;
  /** The channel is `${prefix}events`: nodes that share Redis and a prefix share the bus. */
  prefix: string;
  /** This node's id on the channel (random unless given). */
  nodeId?: string;
  onHandlerError?: (error: unknown) => void;
  /** A publish or a message that failed (Redis away, a message this version cannot read). */
  onTransportError?: (error: unknown) => void;
}

/**
 * The EventBus port over Redis pub/sub, for several nodes. An event reaches this node's subscribers
 * at once, before publish returns, as on the memory bus — a node's own waiters never depend on
 * Redis — and every other node's through the channel, in the order each node published.
 *
 * Pub/sub keeps nothing for a subscriber that is not connected, so after any break (Redis
 * restarted, the subscriber's connection lost, or a publish of this node that failed) the nodes
 * that may have missed events get `bus.resumed`, once their subscription is back: whoever waits on
 * the bus then reads from the store, which holds every committed change.
 */
export function createRedisEventBus(
  options: RedisEventBusOptions,
): EventBus & { condition(): RedisCondition; close(): void } {
  const { publisher, subscriber } = options;
  const channel = `${options.prefix}events`;
  const node = options.nodeId ?? randomBytes(8).toString('hex');
  const reportTransport = options.onTransportError ?? (() => undefined);
  const subscribers = createSubscriberTable(options.onHandlerError ?? (() => undefined));
  let isSubscribed = false;
  // Whether an event of this node failed to reach the channel: once Redis is back, the others
  // are told to read from the store (they cannot know otherwise).
  let hasUnsent = false;
  let isClosed = false;

  const send = (text: string, onFailure: () => void) => {
    publisher.publish(channel, text).catch((error: unknown) => {
      onFailure();
      reportTransport(error);
    });
  };

  const subscribe = () => {
    subscriber.subscribe(channel).then(
      () => {
        if (isClosed) return;
        isSubscribed = true;
        // After every subscription, the first too: a node that started while Redis was away has
        // served without it, and its waiters cannot tell what they missed. A waiter costs one
        // read of the store each time, and at a node's start there are few.
        subscribers.deliver({ type: 'bus.resumed' });
      },
      // The connection went again; its next 'ready' tries again.
      reportTransport,
    );
  };
  subscriber.on('ready', subscribe);
  subscriber.on('close', () => {
    isSubscribed = false;
  });
  if (subscriber.status === 'ready') subscribe();

  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    let message;
    try {
      message = decodeBusMessage(text);
    } catch (error) {
      reportTransport(error);
      return;
    }
    if (message === undefined || message.node === node) return;
    subscribers.deliver('resync' in message ? { type: 'bus.resumed' } : message.event);
  });

  publisher.on('ready', () => {
    if (!hasUnsent || isClosed) return;
    hasUnsent = false;
    send(encodeBusMessage({ node, resync: true }), () => {
      hasUnsent = true;
    });
  });

  return {
    publish(event) {
      subscribers.deliver(event);
      // After the commit: a Redis that is away must not fail the change that was made.
      let text: string;
      try {
        text = encodeBusMessage({ node, event });
      } catch (error) {
        reportTransport(error);
        return;
      }
      send(text, () => {
        hasUnsent = true;
      });
    },
    subscribe: subscribers.subscribe,
    condition: (): RedisCondition => (isSubscribed && publisher.status === 'ready' ? 'ok' : 'unreachable'),
    close() {
      isClosed = true;
    },
  };
}

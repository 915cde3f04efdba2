import { Redis, type RedisOptions } from 'ioredis';

/** Whether Redis answers: what `/health` reports for the adapters that share it. */
export type RedisCondition = 'ok' | 'unreachable';

/** How long a command may wait for its answer: a Redis that hangs must not hold a request. */
const COMMAND_TIMEOUT_MS = 2_000;
/** The longest pause between two reconnection attempts, so a node is back soon after Redis is. */
const MAX_RECONNECT_DELAY_MS = 1_000;

export interface RedisConnection {
  /** The client for commands (rate-limit scripts, PUBLISH); it fails fast while Redis is away. */
  readonly commands: Redis;
  /** A client of its own for SUBSCRIBE, which takes a connection over (Redis's protocol). */
  openSubscriber(): Redis;
  /** 'ok' while every client opened here is connected, 'unreachable' otherwise. */
  condition(): RedisCondition;
  close(): Promise<void>;
}

/**
 * Opens the clients of one Redis (`redis://` or `rediss://`) for the adapters of several nodes. A
 * node never waits for Redis to start: ioredis connects in the background and reconnects with a
 * backoff of at most a second, while commands fail at once (no offline queue, no retry on another
 * connection), so a request answers 503 instead of hanging until Redis comes back.
 */
export function openRedisConnection(
  url: string,
  options: { onError?: (error: Error) => void; name?: string } = {},
): RedisConnection {
  const clients = new Set<Redis>();
  const settings: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    ...(options.name === undefined ? {} : { connectionName: options.name }),
  };
  const open = (extra: RedisOptions = {}) => {
    const client = new Redis(url, { ...settings, ...extra });
    // Without a listener ioredis reports each failed attempt as an unhandled 'error' event; the
    // outage is told by condition() (GET /health) and each request's 503.
    client.on('error', (error: Error) => options.onError?.(error));
    clients.add(client);
    return client;
  };
  const commands = open();
  return {
    commands,
    // The subscriber subscribes again itself on each 'ready' (redis-event-bus.ts), to know when
    // the subscription is back; ioredis's own resubscription would not say.
    openSubscriber: () => open({ autoResubscribe: false }),
    condition: () => ([...clients].every((client) => client.status === 'ready') ? 'ok' : 'unreachable'),
    async close() {
      await Promise.all(
        [...clients].map(async (client) => {
          clients.delete(client);
          // QUIT waits for Redis; a client that is not connected is simply dropped.
          if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
          else client.disconnect();
        }),
      );
    },
  };
}

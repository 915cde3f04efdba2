import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { AgentClient, VisitorClient, type AgentChat, type ChatEvent } from '../../packages/sdk/src/index.js';
import type { DatabaseTarget } from './databases.js';
import { eventually } from './eventually.js';
import { accountSeed, applySeed, startTestServer, type TestServer, type TestServerOptions } from './test-server.js';

/** The demo account's surveys (pre-chat, offline, exit, agent), reused by the SDK tests. */
const demoSeed: unknown = JSON.parse(readFileSync(new URL('../../seeds/demo.json', import.meta.url), 'utf8'));
const demoAccount: unknown =
  typeof demoSeed === 'object' && demoSeed !== null && 'accounts' in demoSeed && Array.isArray(demoSeed.accounts)
    ? demoSeed.accounts[0]
    : undefined;
const demoSurveys: unknown =
  typeof demoAccount === 'object' && demoAccount !== null && 'surveys' in demoAccount ? demoAccount.surveys : undefined;

/**
 * A listening server with one fresh account: the seed of accountSeed() plus the demo surveys, and
 * `users` (seed file users) besides its own.
 */
export async function startSdkServer(
  target: DatabaseTarget,
  options: TestServerOptions = {},
  users: Record<string, unknown>[] = [],
) {
  const server: TestServer = await startTestServer(target, options);
  const { accountId, key, seed } = accountSeed();
  const account = seed.accounts[0]!;
  await applySeed(server.core, {
    accounts: [{ ...account, users: [...account.users, ...users], surveys: demoSurveys }],
  });
  return {
    server,
    /**
     * Closes the server. Open sockets are reset first: after a client aborts a stream or a
     * long-poll, the server would otherwise wait for its idle keep-alive sockets (seconds).
     */
    close: async () => {
      server.app.server.closeAllConnections();
      await server.close();
    },
    baseUrl: server.baseUrl,
    accountId,
    appKey: account.appKeys[0]!,
    /** echo-bot's API key (Sales and Support, unlimited chats). */
    botKey: key,
  };
}

/**
 * alice Online and full, on a fresh fixture: three Sales chats served and ended (to the wait
 * estimator, slots free up once every 600 s over its 30 minutes), then three held, her maximum.
 * The next Sales chats queue; `take()` accepts whatever rings at her next.
 */
export async function busyAlice(fixture: Awaited<ReturnType<typeof startSdkServer>>) {
  const { baseUrl, accountId, appKey } = fixture;
  const sales = { baseUrl, accountId, appKey, skill: 'Sales', keepAliveMs: 0 };
  const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
  await alice.setAvailability('Online');
  const take = async (): Promise<AgentChat> => {
    const chat = await alice.acceptNext();
    assert.ok(chat !== null, 'a chat rang at alice');
    return chat;
  };
  for (let served = 0; served < 3; served += 1) {
    await VisitorClient.startChat(sales);
    await (await take()).end();
  }
  const held: AgentChat[] = [];
  for (let count = 0; count < 3; count += 1) {
    await VisitorClient.startChat(sales);
    held.push(await take());
  }
  return { alice, held, take, sales };
}

/** Collects an async iterable in the background, to wait for what it has delivered so far. */
export function collect<T>(iterable: AsyncIterable<T>) {
  const items: T[] = [];
  const state: { error: unknown } = { error: undefined };
  const done = (async () => {
    for await (const item of iterable) items.push(item);
  })().catch((error: unknown) => {
    state.error = error;
  });
  return {
    items,
    done,
    state,
    /**
     * Resolves once `check` holds for what arrived (polled by eventually()); fails at once with the
     * iteration's error, or after `timeoutMs` with what did arrive.
     */
    async until(check: (items: T[]) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
      const arrived = (): boolean => {
        if (check(items)) return true;
        if (state.error !== undefined) throw state.error;
        return false;
      };
      try {
        await eventually(what, arrived, { timeoutMs, intervalMs: 10 });
      } catch (error) {
        if (error === state.error) throw error;
        const gaveUp = error instanceof Error ? error.message : String(error);
        throw new Error(`${gaveUp}; got ${JSON.stringify(items)}`, { cause: error });
      }
    },
  };
}

/** `state:waiting`, `system:4`, `visitor:hello`, … — an event list at a glance. */
export const summary = (events: ChatEvent[]): string[] =>
  events.map((event) =>
    event.type === 'state'
      ? `state:${event.state ?? ''}`
      : event.source === 'system'
        ? `system:${String(event.systemMessageId)}`
        : `${event.source ?? ''}:${event.text ?? ''}`,
  );

/** Whether the events include a line from `source` with `text`. */
export const hasLine = (events: ChatEvent[], source: string, text: string): boolean =>
  events.some((event) => event.type === 'line' && event.source === source && event.text === text);

/** Whether the ids are strictly increasing (no event twice, none out of order). */
export const isStrictlyIncreasing = (events: ChatEvent[]): boolean =>
  events.every((event, index) => index === 0 || event.id > events[index - 1]!.id);

/** The URL and headers of a fetch call, whatever form its arguments took. */
export function describeRequest(input: Parameters<typeof fetch>[0], init: RequestInit | undefined) {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const headers = new Headers(init?.headers);
  return { url, method: init?.method ?? 'GET', headers };
}

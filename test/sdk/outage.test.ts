import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AgentClient,
  VisitorClient,
  type AgentChat,
  type RecoveryEvent,
  type Sleep,
} from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { collect, describeRequest, hasLine, startSdkServer } from '../support/sdk.js';

const MINUTE = 60_000;
const OUTAGE_MS = 10 * MINUTE;

/**
 * The bot's clock: time passes only when the SDK waits, by as much as it asks for, and the wait
 * returns at the next turn of the event loop. A 10-minute outage then takes milliseconds, and
 * every retry and recovery wait is exactly what the policy says.
 */
function virtualClock(start: number) {
  const clock = { now: start, waits: [] as number[] };
  const sleep: Sleep = (ms, signal) => {
    if (signal?.aborted === true)
      return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('Aborted'));
    clock.waits.push(ms);
    clock.now += ms;
    return new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, sleep, now: () => clock.now };
}

/** Echoes every visitor line until the chat ends. */
async function echoAll(chat: AgentChat): Promise<void> {
  for await (const event of chat.events()) {
    if (event.type === 'line' && event.source === 'visitor') await chat.sendLine(`echo: ${event.text ?? ''}`);
  }
}

for (const target of await databaseTargets()) {
  describe(`a bot on @parley/sdk outlives an outage on ${target.name}`, { skip: target.unavailable }, () => {
    let fixture: Awaited<ReturnType<typeof startSdkServer>>;

    before(async () => {
      fixture = await startSdkServer(target);
    });
    after(() => fixture.close());

    it('keeps its login through a 10-minute outage, says so, and takes the next chat', async () => {
      const { baseUrl, accountId, appKey, botKey, server } = fixture;
      const time = virtualClock(Date.now());
      // The outage, on the bot's clock: no request reaches the server while it lasts.
      const outage = { from: Number.POSITIVE_INFINITY, until: Number.POSITIVE_INFINITY, isOver: false };
      const logins: string[] = [];
      const refused: string[] = [];
      const net: typeof fetch = async (input, init) => {
        const { url } = describeRequest(input, init);
        if (time.now() >= outage.from && time.now() < outage.until) {
          refused.push(url);
          throw new TypeError('fetch failed: connect ECONNREFUSED');
        }
        if (time.now() >= outage.until && !outage.isOver) {
          // The server was down as long on its own clock: its idle timers have run out too.
          outage.isOver = true;
          server.clock.advance(OUTAGE_MS);
        }
        if (/\/login\?/.test(url)) logins.push(url);
        return fetch(input, init);
      };
      const recoveries: RecoveryEvent[] = [];
      const errors: unknown[] = [];
      const bot = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'echo-bot',
        ...botKey,
        fetch: net,
        sleep: time.sleep,
        now: time.now,
        refreshIntervalMs: 0,
        onRecovery: (event) => recoveries.push(event),
        onError: (error) => errors.push(error),
      });
      await bot.setAvailability('Online');
      const chats: Promise<void>[] = [];
      const ringing = collect(
        (async function* () {
          for await (const ring of bot.rings()) {
            const chat = await ring.accept();
            if (chat !== null) chats.push(echoAll(chat));
            yield ring.ringingCount;
          }
        })(),
      );

      const converse = async (text: string) => {
        const visitor = await VisitorClient.startChat({ baseUrl, accountId, appKey, skill: 'Sales', keepAliveMs: 0 });
        const feed = collect(visitor.events());
        await feed.until((events) => events.some((event) => event.systemMessageId === 3), 'the bot to accept');
        await visitor.sendLine(text);
        await feed.until((events) => hasLine(events, 'agent', `echo: ${text}`), `echo: ${text}`);
        await visitor.end();
        await feed.done;
      };
      await converse('before the outage');

      // The server goes away: open connections break, and nothing answers for ten minutes.
      outage.from = time.now();
      outage.until = outage.from + OUTAGE_MS;
      server.app.server.closeAllConnections();
      await eventually(
        'the bot to reach the server again',
        () => outage.isOver && recoveries.some((e) => e.type === 'recovered'),
      );
      assert.ok(refused.length > 0, 'the bot tried during the outage');

      // It said so: slow waits growing from 2 minutes after the fast retries, then the recovery.
      const waiting = recoveries.filter((event) => event.type === 'waiting');
      assert.ok(waiting.length > 0, JSON.stringify(recoveries));
      const first = waiting.find((event) => event.attempt === 1)!;
      assert.ok(first.delayMs >= 108_000 && first.delayMs <= 132_000, String(first.delayMs));
      assert.ok(first.downForMs >= 30_000, 'the fast retries came first (5 + 10 + 15 s)');
      for (const event of waiting.filter((other) => other.attempt === 2)) {
        assert.ok(event.delayMs >= 216_000 && event.delayMs <= 264_000, String(event.delayMs));
      }
      const recovered = recoveries.filter((event) => event.type === 'recovered');
      assert.ok(
        recovered.some((event) => event.downForMs >= 9 * MINUTE),
        `a request waited the outage out: ${JSON.stringify(recovered)}`,
      );

      // And it carries on: the next visitor is answered, on the same login, rings never broke off.
      await converse('after the outage');
      assert.equal(logins.length, 1, 'no new login: the login session outlived the outage');
      assert.equal(ringing.state.error, undefined);
      assert.equal(await bot.availability(), 'Online');
      assert.deepEqual(errors, []);

      await bot.logout();
      await ringing.done;
      await Promise.all(chats);
      assert.equal(ringing.state.error, undefined);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, VisitorClient, type AgentChat, type ChatEvent } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { collect, describeRequest, hasLine, isStrictlyIncreasing, startSdkServer } from '../support/sdk.js';

/**
 * A body that passes `events` whole events through, then half of the next one, then breaks off
 * like a connection reset mid-message.
 */
function breakAfter(body: ReadableStream<Uint8Array>, events: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  let passed = 0;
  let isBroken = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Broken once what was passed has been read (an error discards the chunks still queued).
      if (isBroken) {
        controller.error(new TypeError('terminated: other side closed'));
        await reader.cancel();
        return;
      }
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      pending += decoder.decode(value, { stream: true });
      for (let end = pending.indexOf('\n\n'); end !== -1; end = pending.indexOf('\n\n')) {
        const block = pending.slice(0, end + 2);
        pending = pending.slice(end + 2);
        if (/^id:/m.test(block) && passed === events) {
          controller.enqueue(encoder.encode(block.slice(0, Math.floor(block.length / 2))));
          isBroken = true;
          return;
        }
        if (/^id:/m.test(block)) passed += 1;
        controller.enqueue(encoder.encode(block));
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** A fetch whose first `drops` event streams break after `events` events; it records every stream request. */
function droppingFetch(drops: number, events: number) {
  const streams: { url: string; lastEventId: string | null }[] = [];
  const state = { drops };
  const wrapped: typeof fetch = async (input, init) => {
    const { url, headers } = describeRequest(input, init);
    const response = await fetch(input, init);
    const isEventStream = (headers.get('accept') ?? '').includes('text/event-stream') && /\/events\?/.test(url);
    if (!isEventStream) return response;
    streams.push({ url, lastEventId: headers.get('last-event-id') });
    if (state.drops === 0 || response.body === null || response.status !== 200) return response;
    state.drops -= 1;
    return new Response(breakAfter(response.body, events), { status: 200, headers: response.headers });
  };
  return { fetch: wrapped, streams, state };
}

/** Answers every visitor line with `echo: …` until the chat ends. */
async function echoAll(chat: AgentChat, seen: ChatEvent[]): Promise<void> {
  for await (const event of chat.events()) {
    seen.push(event);
    if (event.type === 'line' && event.source === 'visitor') await chat.sendLine(`echo: ${event.text ?? ''}`);
  }
}

for (const target of await databaseTargets()) {
  describe(`the SDK resumes after a dropped connection on ${target.name}`, { skip: target.unavailable }, () => {
    let fixture: Awaited<ReturnType<typeof startSdkServer>>;

    before(async () => {
      fixture = await startSdkServer(target);
    });
    after(() => fixture.close());

    it('loses and repeats no event when streams break mid-message, on both sides', async () => {
      const { baseUrl, accountId, appKey, botKey } = fixture;
      const agentNet = droppingFetch(3, 2);
      const visitorNet = droppingFetch(3, 3);
      const bot = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'echo-bot',
        ...botKey,
        fetch: agentNet.fetch,
      });
      await bot.setAvailability('Online');
      const visitor = await VisitorClient.startChat({
        baseUrl,
        accountId,
        appKey,
        skill: 'Support',
        fetch: visitorNet.fetch,
      });
      const visitorFeed = collect(visitor.events());
      const chat = await bot.acceptNext();
      assert.ok(chat !== null);
      const agentSeen: ChatEvent[] = [];
      const echoing = echoAll(chat, agentSeen);

      for (const text of ['one', 'two', 'three', 'four']) {
        await visitorFeed.until(
          (events) => events.at(-1)?.systemMessageId === 3 || events.at(-1)?.source === 'agent',
          'the chat to be ready',
        );
        await visitor.sendLine(text);
        await visitorFeed.until((events) => hasLine(events, 'agent', `echo: ${text}`), `echo: ${text}`);
      }
      await visitor.end();
      await Promise.all([visitorFeed.done, echoing]);
      assert.equal(visitorFeed.state.error, undefined);

      // Every stream was broken as planned, and the SDK came back with the last id it had.
      assert.equal(agentNet.state.drops, 0);
      assert.equal(visitorNet.state.drops, 0);
      assert.ok(agentNet.streams.length >= 4, JSON.stringify(agentNet.streams));
      assert.ok(visitorNet.streams.length >= 4, JSON.stringify(visitorNet.streams));
      assert.deepEqual(
        agentNet.streams.slice(1, 4).map((stream) => stream.lastEventId),
        ['1', '3', '5'],
        'each reconnection resumes after the last event delivered',
      );

      // Nothing lost, nothing twice: the feeds equal the stored history.
      assert.deepEqual(
        agentSeen.map((event) => event.id),
        agentSeen.map((_event, index) => index),
      );
      assert.deepEqual(agentSeen, await chat.history());
      assert.ok(isStrictlyIncreasing(visitorFeed.items));
      assert.deepEqual(visitorFeed.items, await visitor.history());
      assert.equal(visitorFeed.items.at(-1)?.state, 'ended');
      await bot.logout();
    });

    it('comes back after the server drops every connection mid-chat', async () => {
      const { baseUrl, accountId, appKey, botKey } = fixture;
      const retry = { delaysMs: [10, 20, 40, 80] };
      // Pass-through networks that only count the event streams opened.
      const agentNet = droppingFetch(0, 0);
      const visitorNet = droppingFetch(0, 0);
      const bot = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'echo-bot',
        ...botKey,
        retry,
        fetch: agentNet.fetch,
      });
      await bot.setAvailability('Online');
      const visitor = await VisitorClient.startChat({
        baseUrl,
        accountId,
        appKey,
        skill: 'Sales',
        retry,
        fetch: visitorNet.fetch,
      });
      const visitorFeed = collect(visitor.events());
      const chat = await bot.acceptNext();
      assert.ok(chat !== null);
      const agentFeed = collect(chat.events());
      await agentFeed.until((events) => events.some((event) => event.systemMessageId === 3), 'system line 3');
      await visitorFeed.until((events) => events.some((event) => event.systemMessageId === 3), 'system line 3');

      for (const text of ['before', 'after']) {
        // Resets every open socket: both streams, and the idle keep-alive connections.
        fixture.server.app.server.closeAllConnections();
        await visitor.sendLine(text);
        await agentFeed.until((events) => hasLine(events, 'visitor', text), text);
        await chat.sendLine(`got ${text}`);
        await visitorFeed.until((events) => hasLine(events, 'agent', `got ${text}`), `got ${text}`);
      }
      fixture.server.app.server.closeAllConnections();
      await chat.end();
      await Promise.all([agentFeed.done, visitorFeed.done]);
      assert.equal(agentFeed.state.error, undefined);
      assert.equal(visitorFeed.state.error, undefined);
      // One stream at first, then one after each of the three resets (the last one sees the end).
      assert.ok(agentNet.streams.length >= 3, JSON.stringify(agentNet.streams));
      assert.ok(visitorNet.streams.length >= 3, JSON.stringify(visitorNet.streams));
      assert.deepEqual(agentFeed.items, await chat.history());
      assert.deepEqual(visitorFeed.items, await visitor.history());
      assert.deepEqual(
        agentFeed.items.map((event) => event.id),
        agentFeed.items.map((_event, index) => index),
      );
      await bot.logout();
    });
  });
}

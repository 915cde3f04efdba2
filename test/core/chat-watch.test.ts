import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeEventsFrom } from '../../src/core/chats/chat-events.js';
import { createChatWatch } from '../../src/core/chats/chat-watch.js';
import type { DomainEvent } from '../../src/core/ports.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import { createSubscriberTable } from '../../src/memory/subscriber-table.js';
import { sampleChat } from '../support/chat-fixture.js';

type ChatChanged = Extract<DomainEvent, { type: 'chat.changed' }>;

const changed = (accountId: string, chatId: string): ChatChanged => ({
  type: 'chat.changed',
  chat: sampleChat({ accountId, id: chatId, state: 'chatting', nextEventId: 3 }),
  events: [{ id: 2, type: 'line', time: 0, text: 'hi' }],
});

describe('the chat watch hands each change to its chat’s waiters and its account’s listeners only', () => {
  it('per chat and per account, until they stop listening', () => {
    const bus = createMemoryEventBus();
    const watch = createChatWatch(bus);
    const seen: string[] = [];
    const stopChat = watch.listen('1', 'a', (event) => seen.push(`chat a: ${event?.chat.id}`));
    const stopAccount = watch.listenAccount('1', (event) => seen.push(`account 1: ${event?.chat.id}`));
    const stopOther = watch.listenAccount('2', (event) => seen.push(`account 2: ${event?.chat.id}`));
    assert.equal(watch.size(), 3);

    bus.publish(changed('1', 'a'));
    bus.publish(changed('1', 'b'));
    bus.publish(changed('2', 'c'));
    assert.deepEqual(seen, ['chat a: a', 'account 1: a', 'account 1: b', 'account 2: c']);

    stopChat();
    stopAccount();
    stopOther();
    assert.equal(watch.size(), 0);
    bus.publish(changed('1', 'a'));
    assert.equal(seen.length, 4);
  });
});

describe('after a break of the bus the chat watch sends every waiter to the store', () => {
  it('wakes every listener once, without a change, on bus.resumed', () => {
    // A bus that can say it resumed, as the Redis bus does after a reconnection.
    const subscribers = createSubscriberTable(() => undefined);
    const watch = createChatWatch({ publish: subscribers.deliver, subscribe: subscribers.subscribe });
    const seen: string[] = [];
    watch.listen('1', 'a', (change) => seen.push(`chat a: ${change?.chat.id ?? 'read the store'}`));
    watch.listen('1', 'b', (change) => seen.push(`chat b: ${change?.chat.id ?? 'read the store'}`));
    const stop = watch.listenAccount('2', (change) => seen.push(`account 2: ${change?.chat.id ?? 'read the store'}`));
    subscribers.deliver({ type: 'bus.resumed' });
    assert.deepEqual(seen.sort(), ['account 2: read the store', 'chat a: read the store', 'chat b: read the store']);
    stop();
    subscribers.deliver({ type: 'bus.resumed' });
    assert.equal(seen.length, 5);
  });
});

describe('a change answers a read from `from` only when its events reach back that far', () => {
  const event = (id: number) => ({ id, type: 'line' as const, time: 0, text: `line ${id}` });
  const change = (nextEventId: number, ids: number[]) => ({
    chat: sampleChat({ state: 'chatting', nextEventId }),
    events: ids.map(event),
  });

  it('gives the carried events at or past `from`', () => {
    assert.deepEqual(changeEventsFrom(change(7, [5, 6]), 5), [event(5), event(6)]);
    assert.deepEqual(changeEventsFrom(change(7, [5, 6]), 6), [event(6)]);
  });

  it('gives none when nothing is at or past `from`, with or without events', () => {
    assert.deepEqual(changeEventsFrom(change(7, [5, 6]), 7), []);
    assert.deepEqual(changeEventsFrom(change(7, [5, 6]), 12), []);
    assert.deepEqual(changeEventsFrom(change(7, []), 7), []);
  });

  it('cannot tell for a change from another node that arrives before the one preceding it (a gap)', () => {
    // A reader at 5; the change appending 7 and 8 arrives before the one appending 5 and 6.
    assert.equal(changeEventsFrom(change(9, [7, 8]), 5), undefined);
    // The earlier change, arriving once the store has answered up to 9, adds nothing.
    assert.deepEqual(changeEventsFrom(change(7, [5, 6]), 9), []);
  });

  it('cannot tell when events before the change’s own may be missing', () => {
    assert.equal(changeEventsFrom(change(7, [5, 6]), 4), undefined);
    assert.equal(changeEventsFrom(change(7, []), 6), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createChatWatch } from '../../src/core/chats/chat-watch.js';
import type { DomainEvent } from '../../src/core/ports.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';

type ChatChanged = Extract<DomainEvent, { type: 'chat.changed' }>;

const changed = (accountId: string, chatId: string): ChatChanged => ({
  type: 'chat.changed',
  accountId,
  chatId,
  state: 'chatting',
  nextEventId: 3,
  ringingUserId: null,
  agentUserId: 2001,
});

describe('the chat watch hands each change to its chat’s waiters and its account’s listeners only', () => {
  it('per chat and per account, until they stop listening', () => {
    const bus = createMemoryEventBus();
    const watch = createChatWatch(bus);
    const seen: string[] = [];
    const stopChat = watch.listen('1', 'a', (event) => seen.push(`chat a: ${event.chatId}`));
    const stopAccount = watch.listenAccount('1', (event) => seen.push(`account 1: ${event.chatId}`));
    const stopOther = watch.listenAccount('2', (event) => seen.push(`account 2: ${event.chatId}`));
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainEvent } from '../../src/core/ports.js';
import { decodeBusMessage, encodeBusMessage } from '../../src/redis/bus-codec.js';
import { sampleChat } from '../support/chat-fixture.js';

const change = (overrides: Parameters<typeof sampleChat>[0] = {}): DomainEvent => ({
  type: 'chat.changed',
  chat: sampleChat(overrides),
  events: [],
});

describe('the Redis bus codec', () => {
  it('restores a chat exactly, optional fields set to undefined included', () => {
    const event = change({ visitorTypingAt: undefined, agentTypingAt: null, echo: { language: undefined } });
    assert.deepStrictEqual(decodeBusMessage(encodeBusMessage({ node: 'a', event })), { node: 'a', event });
  });

  it('restores undefined inside arrays, which JSON would turn into null', () => {
    const event: DomainEvent = {
      type: 'chat.changed',
      chat: sampleChat(),
      events: [{ id: 0, type: 'line', time: 1, json: [1, undefined, null, { a: undefined }] }],
    };
    assert.deepStrictEqual(decodeBusMessage(encodeBusMessage({ node: 'a', event })), { node: 'a', event });
  });

  it('keeps JSON a line carries as it is, however it looks', () => {
    const json = { undefinedAt: [['json']], v: 1, node: 'x', $u: 1 };
    const event: DomainEvent = {
      type: 'chat.changed',
      chat: sampleChat(),
      events: [{ id: 0, type: 'line', time: 1, json }],
    };
    assert.deepStrictEqual(decodeBusMessage(encodeBusMessage({ node: 'a', event })), { node: 'a', event });
  });

  it('never writes through a prototype', () => {
    const text = JSON.stringify({
      v: 1,
      node: 'a',
      event: { type: 'agent.availability' },
      undefinedAt: [
        ['__proto__', 'polluted'],
        ['constructor', 'prototype', 'polluted'],
      ],
    });
    decodeBusMessage(text);
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
  });

  it('carries a resync notice, and reads nothing of another version', () => {
    assert.deepEqual(decodeBusMessage(encodeBusMessage({ node: 'b', resync: true })), { node: 'b', resync: true });
    assert.equal(decodeBusMessage(JSON.stringify({ v: 2, node: 'a', event: { type: 'x' } })), undefined);
  });
});

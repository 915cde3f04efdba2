import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AppError, ErrorCode } from '../../src/core/errors.js';
import { parseInput } from '../../src/http/legacy/input.js';
import {
  agentPostBody,
  agentTypingBody,
  availabilityBody,
  availableSlotsQuery,
  chatsQuery,
  transferBody,
} from '../../src/http/agent-api/schemas.js';

/** The validation failure `read` throws, as the client is told it. */
function refusal(read: () => unknown): { message: string; field: string | undefined } {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof AppError && error.code === ErrorCode.VALIDATION, String(error));
    return { message: error.message, field: error.field };
  }
  assert.fail('expected a validation failure');
}

describe('Chat Agent API input', () => {
  it('reads a line with its defaults, the end of a chat, and @type spelt either way', () => {
    assert.deepEqual(parseInput(agentPostBody, { event: { '@type': 'line', text: 'hi', textType: null } }), {
      kind: 'line',
      text: 'hi',
      textType: 'plain',
      subType: 'REGULAR',
    });
    assert.deepEqual(parseInput(agentPostBody, { event: { type: 'state', state: 'ended' } }), { kind: 'end' });
    const card = { type: 'vertical', elements: [{ type: 'text', text: 'Your order' }] };
    assert.deepEqual(parseInput(agentPostBody, { event: { '@type': 'line', textType: 'rich-content', json: card } }), {
      kind: 'line',
      text: '',
      textType: 'rich-content',
      subType: 'REGULAR',
      json: card,
    });
  });

  it('refuses a malformed event with the message and field clients are told', () => {
    assert.deepEqual(
      refusal(() => parseInput(agentPostBody, 'text')),
      { message: 'The body must be {"event": {…}}', field: 'event' },
    );
    assert.deepEqual(
      refusal(() => parseInput(agentPostBody, { event: { '@type': 'url' } })),
      { message: 'event @type must be "line" or "state"', field: 'event.@type' },
    );
    assert.deepEqual(
      refusal(() => parseInput(agentPostBody, { event: { '@type': 'state', state: 'chatting' } })),
      { message: 'The only state an agent can set is "ended"', field: 'event.state' },
    );
    assert.deepEqual(
      refusal(() => parseInput(agentPostBody, { event: { '@type': 'line', textType: 'rich-content', text: 'x' } })),
      { message: 'A rich-content line needs a json object', field: 'event.json' },
    );
    // Structured content is checked against the templates (docs/LEGACY-QUIRKS.md, "Structured content").
    assert.deepEqual(
      refusal(() =>
        parseInput(agentPostBody, { event: { '@type': 'line', textType: 'rich-content', json: { a: 1 } } }),
      ),
      {
        message: 'Invalid structured content at json.type: a template is a vertical, horizontal or carousel layout',
        field: 'event.json',
      },
    );
    assert.deepEqual(
      refusal(() => parseInput(agentPostBody, { event: { '@type': 'line', text: 'x'.repeat(30_001) } })),
      { message: 'A line has at most 30000 characters', field: 'event.text' },
    );
  });

  it('reads availability case-insensitively, with its reason, and typing as a flag', () => {
    assert.deepEqual(parseInput(availabilityBody, { availability: { chat: ' away ' } }), {
      chat: 'Away',
      chatReasonId: null,
    });
    assert.deepEqual(parseInput(availabilityBody, { availability: { chat: 'Away', chatReasonId: ' 12 ' } }), {
      chat: 'Away',
      chatReasonId: '12',
    });
    assert.deepEqual(parseInput(availabilityBody, { availability: { chat: 'Away', chatReasonId: 12 } }), {
      chat: 'Away',
      chatReasonId: '12',
    });
    assert.deepEqual(parseInput(availabilityBody, { availability: { chat: 'Away', chatReasonId: '' } }), {
      chat: 'Away',
      chatReasonId: null,
    });
    assert.deepEqual(
      refusal(() => parseInput(availabilityBody, { availability: { chat: 'Away', chatReasonId: true } })),
      {
        message: 'availability.chatReasonId must be an id of at most 64 characters',
        field: 'availability.chatReasonId',
      },
    );
    assert.deepEqual(
      refusal(() => parseInput(availabilityBody, [])),
      { message: 'availability.chat must be Online, Away or Occupied', field: 'availability.chat' },
    );
    assert.equal(parseInput(agentTypingBody, { agentTyping: 'typing' }), true);
    assert.equal(
      refusal(() => parseInput(agentTypingBody, {})).message,
      'agentTyping must be "typing" or "not-typing"',
    );
  });

  it('reads a transfer with or without its wrapper, an agent winning over a skill', () => {
    assert.deepEqual(parseInput(transferBody, { transfer: { agent: { '@id': ' 7 ' }, skill: { id: 3 } }, text: 'n' }), {
      target: { kind: 'agent', agentId: '7' },
      note: 'n',
    });
    assert.deepEqual(parseInput(transferBody, { skill: { id: 3 } }), {
      target: { kind: 'skill', skillId: '3' },
      note: '',
    });
    assert.deepEqual(
      refusal(() => parseInput(transferBody, { transfer: { agent: { '@id': ' ' } } })),
      { message: 'A transfer names an agent or a skill', field: 'transfer' },
    );
  });

  it('reads the slots and several-chats queries, refusing what the API refuses', () => {
    assert.deepEqual(parseInput(availableSlotsQuery, { skill: 'Sales', maxWaitTime: '0', agent: '' }), {
      agent: undefined,
      skill: 'Sales',
      maxWaitTime: 0,
    });
    assert.equal(
      refusal(() => parseInput(availableSlotsQuery, { maxWaitTime: '86401' })).message,
      'maxWaitTime must be a whole number from 0 to 86400',
    );
    assert.deepEqual(
      refusal(() => parseInput(availableSlotsQuery, { agent: 'alice', maxWaitTime: '5' })),
      { message: 'agent cannot be combined with skill or maxWaitTime', field: 'agent' },
    );
    assert.deepEqual(parseInput(chatsQuery, { chatSessionKeys: 'a, b', fromEventIds: '3x,' }), [
      { chatId: 'a', from: 3 },
      { chatId: 'b', from: 0 },
    ]);
    // Positions past the last key are never read.
    assert.deepEqual(parseInput(chatsQuery, { chatSessionKeys: 'a', fromEventIds: '1,x' }), [{ chatId: 'a', from: 1 }]);
    assert.equal(
      refusal(() => parseInput(chatsQuery, { chatSessionKeys: ' , ' })).message,
      'chatSessionKeys is required',
    );
    assert.equal(
      refusal(() => parseInput(chatsQuery, { chatSessionKeys: 'a', fromEventIds: 'x' })).message,
      'fromEventIds must be numbers',
    );
  });
});

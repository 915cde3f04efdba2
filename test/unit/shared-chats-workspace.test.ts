import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatEvent, LiveChat } from '../../packages/sdk/src/index.js';
import { bySkill } from '../../packages/web/src/workspace/live-chat-groups.js';
import { participantNotice } from '../../packages/web/src/workspace/participants.js';

const live = (chatId: string, skill: string | null, state: LiveChat['state']): LiveChat => ({
  chatId,
  state,
  skillId: null,
  skill,
  visitorName: chatId,
  agentId: null,
  agentName: null,
  startTime: 0,
  queuedAt: state === 'waiting' ? 0 : null,
  lastLineTime: null,
  participants: 0,
  joinedAs: null,
});

describe('the live chats view groups chats by skill', () => {
  it('names in order, no skill last, waiting apart from in progress, each in the order listed', () => {
    const groups = bySkill([
      live('a', 'Support', 'chatting'),
      live('b', null, 'waiting'),
      live('c', 'Sales', 'waiting'),
      live('d', 'Support', 'waiting'),
      live('e', 'Support', 'chatting'),
      // A skill that happens to be called like the label of chats without one stays apart.
      live('f', 'No skill', 'chatting'),
    ]);
    assert.deepEqual(
      groups.map((group) => [group.skill, group.waiting.map((c) => c.chatId), group.chatting.map((c) => c.chatId)]),
      [
        ['No skill', [], ['f']],
        ['Sales', ['c'], []],
        ['Support', ['d'], ['a', 'e']],
        [null, ['b'], []],
      ],
    );
  });
});

describe('participant events read as short notices', () => {
  const event = (change: Partial<ChatEvent>): ChatEvent => ({
    id: 1,
    type: 'participant',
    time: '',
    agentName: 'Bob',
    ...change,
  });

  it('says who joined, changed role, left or took over', () => {
    assert.equal(participantNotice(event({ action: 'joined', role: 'listener' })), 'Bob joined as listener');
    assert.equal(participantNotice(event({ action: 'role', role: 'assistant' })), 'Bob is now an assistant');
    assert.equal(participantNotice(event({ action: 'left', role: 'assistant' })), 'Bob left the chat');
    assert.equal(participantNotice(event({ action: 'tookOver' })), 'Bob took over the chat');
    assert.equal(participantNotice(event({ action: 'declined' })), 'Bob declined the invitation');
  });

  it('says who invited whom; an invitation to a skill names nobody', () => {
    assert.equal(participantNotice(event({ action: 'invited', by: 'Alice' })), 'Alice invited Bob to assist');
    assert.equal(
      participantNotice(event({ action: 'invited', by: 'Alice', agentName: '' })),
      'Alice invited a colleague with the skill to assist',
    );
  });

  it('lines and state changes are no notices', () => {
    assert.equal(participantNotice({ id: 2, type: 'line', time: '', text: 'hi' }), undefined);
  });
});

import type { AgentChat, ChatEvent } from '@parley/sdk';

/** This agent's place in a chat: the holder, or a participant beside it (docs/SHARED-CHATS.md). */
export type ChatRole = AgentChat['role'];

/** Who is in a chat besides the visitor: the holder, the participants, the open invitations. */
export type Participants = Awaited<ReturnType<AgentChat['participants']>>;

/** A participant role as a person reads it. */
export const roleName = (role: string | undefined): string =>
  role === 'listener' ? 'listener' : role === 'assistant' ? 'assistant' : role === 'holder' ? 'holder' : (role ?? '');

/**
 * A participant event as one short sentence: "Bob joined as listener", "Bob took over the chat".
 * Undefined for anything else.
 */
export function participantNotice(event: ChatEvent): string | undefined {
  if (event.type !== 'participant') return undefined;
  const who = event.agentName || 'An agent';
  const role = roleName(event.role);
  switch (event.action) {
    case 'joined':
      return `${who} joined as ${role || 'participant'}`;
    case 'left':
      return `${who} left the chat`;
    case 'role':
      return `${who} is now ${role === 'assistant' ? 'an assistant' : `a ${role || 'participant'}`}`;
    case 'invited':
      // An invitation to a skill names no agent (anyone with it may accept).
      return `${event.by || 'The holder'} invited ${event.agentName || 'a colleague with the skill'} to assist`;
    case 'declined':
      return `${who} declined the invitation`;
    case 'withdrawn':
      return `The invitation to ${event.agentName || 'a colleague with the skill'} was withdrawn`;
    case 'tookOver':
      return `${who} took over the chat`;
    default:
      return `${who}: ${String(event.action)}`;
  }
}

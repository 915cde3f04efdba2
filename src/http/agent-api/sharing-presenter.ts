import type { Chat, Invitation, Participant } from '../../core/chats/chat-model.js';
import type { LiveChat } from '../../core/sharing/live-chats.js';
import { isoWithOffset } from '../legacy/time-format.js';
import { link } from '../visitor-api/chat-presenter.js';

/**
 * The shared-chat resources as documented in docs/SHARED-CHATS.md: the legacy style (relation
 * links, ids as strings, ISO times with the account's offset), lists always arrays.
 */
type Document = Record<string, unknown>;

const isoOrEmpty = (time: number | null, zone: string) => (time === null ? '' : isoWithOffset(time, zone));

/** One entry of the live-chats list; `chatHref` is the chat's URL under the asking session. */
export function presentLiveChat(chat: LiveChat, chatHref: string, zone: string): Document {
  return {
    chatId: chat.chatId,
    state: chat.state,
    skillId: chat.skillId === null ? '' : String(chat.skillId),
    skill: chat.skill ?? '',
    visitorName: chat.visitorName,
    agentId: chat.holder === null ? '' : String(chat.holder.userId),
    agentName: chat.holder?.name ?? '',
    startTime: isoWithOffset(chat.startTime, zone),
    queuedAt: isoOrEmpty(chat.queuedAt, zone),
    lastLineTime: isoOrEmpty(chat.lastLineTime, zone),
    participants: chat.participants,
    joinedAs: chat.joinedAs ?? '',
    link: [link(chatHref, 'chat'), link(`${chatHref}/participants`, 'join')],
  };
}

export function presentLiveChats(
  url: string,
  chats: LiveChat[],
  version: string,
  chatHref: (chatId: string) => string,
  zone: string,
): Document {
  return {
    liveChats: {
      link: [link(url, 'self'), link(`${url}${url.includes('?') ? '&' : '?'}seen=${version}`, 'next')],
      version,
      chat: chats.map((chat) => presentLiveChat(chat, chatHref(chat.chatId), zone)),
    },
  };
}

const presentParticipant = (participant: Participant, url: string, zone: string): Document => ({
  id: participant.sessionId,
  agentId: String(participant.userId),
  agentName: participant.name,
  role: participant.role,
  joinedAt: isoWithOffset(participant.joinedAt, zone),
  link: [link(`${url}/${participant.sessionId}`, 'self')],
});

/** An invitation as its holder sees it, under the chat's URL. */
export const presentHolderInvitation = (invitation: Invitation, chatUrl: string, zone: string): Document => ({
  id: invitation.id,
  agentId: invitation.target.kind === 'user' ? String(invitation.target.userId) : '',
  skillId: invitation.target.kind === 'skill' ? String(invitation.target.skillId) : '',
  invitedBy: invitation.invitedBy.name,
  note: invitation.note,
  time: isoWithOffset(invitation.time, zone),
  link: [link(`${chatUrl}/invitations/${invitation.id}`, 'self')],
});

/** Who is in a chat: its holder, its participants, its open invitations. */
export function presentParticipants(chat: Chat, chatUrl: string, zone: string): Document {
  const url = `${chatUrl}/participants`;
  return {
    participants: {
      link: [link(url, 'self')],
      holder:
        chat.agentUserId === null || chat.state === 'waiting'
          ? null
          : { agentId: String(chat.agentUserId), agentName: chat.agentName ?? '' },
      participant: chat.participants.map((participant) => presentParticipant(participant, url, zone)),
      invitation: chat.invitations.map((invitation) => presentHolderInvitation(invitation, chatUrl, zone)),
    },
  };
}

/** What an invitee is told of an invitation (the invitations resource, the session stream). */
export const inviteeInvitationFields = (chat: Chat, invitation: Invitation, zone: string): Document => ({
  id: invitation.id,
  chatId: chat.id,
  skill: chat.skillName ?? '',
  visitorName: chat.visitorName ?? 'visitor',
  invitedBy: invitation.invitedBy.name,
  note: invitation.note,
  time: isoWithOffset(invitation.time, zone),
});

/** An invitation as its invitee sees it, under the invitee's session URL. */
export const presentInviteeInvitation = (chat: Chat, invitation: Invitation, sessionUrl: string, zone: string) => ({
  ...inviteeInvitationFields(chat, invitation, zone),
  link: [link(`${sessionUrl}/invitations/${invitation.id}`, 'self')],
});

/** Where a join (or an accepted invitation) put the session. */
export const presentParticipantLocation = (href: string): Document => ({
  participantLocation: { link: link(href, 'location') },
});

import { AppError, ErrorCode } from '../errors.js';
import type { Account, User } from '../model.js';
import type { Clock, Store, Transaction } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { isGone, systemLine } from '../chats/chat-events.js';
import {
  ChatState,
  ParticipantRole,
  type AgentSession,
  type Chat,
  type Invitation,
  type NewChatEvent,
  type Participant,
  type SkillScope,
} from '../chats/chat-model.js';
import type { ChatChange, ChatWriter } from '../chats/chat-writer.js';
import {
  chatEnded,
  displayName,
  joinChange,
  leaveChange,
  leaveEvents,
  participantEvent,
  participantOf,
} from './participants.js';
import { inScope, isEmptyScope, mayShare, scopeOf } from './permissions.js';

/** Whom a holder invites, by the ids the request gave. */
export type InvitationRequest = { kind: 'user'; agentId: string } | { kind: 'skill'; skillId: string };

const chatNotFound = () => new AppError(ErrorCode.NOT_FOUND, 'Chat not found');
const invitationNotFound = () => new AppError(ErrorCode.NOT_FOUND, 'Invitation not found');
const notHolder = () => new AppError(ErrorCode.FORBIDDEN, 'This chat is not held by this agent');
const noPermission = (kind: string) =>
  new AppError(ErrorCode.FORBIDDEN, `This agent may not ${kind} in chats of this skill`);
const isDigits = (value: string) => /^\d{1,15}$/.test(value);

/** Whether an automatic join covers a skill: "all", or a list naming it (a chat with no skill only under "all"). */
export const autoListens = (scope: SkillScope, skillId: number | null): boolean =>
  scope === 'all' || (skillId !== null && scope.includes(skillId));

/** The chat an invitation id belongs to: `{chatId}.{event id}`. */
export const chatOfInvitation = (invitationId: string): string => invitationId.slice(0, invitationId.lastIndexOf('.'));

/** Whether an open invitation reaches `user`: by name, or by a skill it holds (never the holder). */
export const invitationReaches = (chat: Chat, invitation: Invitation, user: User): boolean =>
  chat.agentUserId !== user.id &&
  (invitation.target.kind === 'user'
    ? invitation.target.userId === user.id
    : user.skillIds.includes(invitation.target.skillId));

/**
 * Shared chats (docs/SHARED-CHATS.md): participants beside the holder, invitations, automatic
 * listening, taking over, and the live chats a supervisor may join. Every change goes through the
 * chat writer, so participants read it as one more numbered event.
 */
export function createSharedChats(deps: { store: Store; clock: Clock; writer: ChatWriter }) {
  const { store, clock, writer } = deps;

  async function userOf(session: AgentSession): Promise<User> {
    const user = await store.users.get(session.accountId, session.userId);
    if (user === undefined) throw new AppError(ErrorCode.SESSION_INVALID, 'The agent no longer exists');
    return user;
  }

  async function liveChat(accountId: string, chatId: string): Promise<Chat> {
    const chat = await store.chats.get(accountId, chatId);
    if (chat === undefined || isGone(chat, clock.now())) throw chatNotFound();
    return chat;
  }

  /** The holder's own chat, or 403 / 43 (404 when there is none). */
  async function heldChat(session: AgentSession, chatId: string): Promise<Chat> {
    const chat = await liveChat(session.accountId, chatId);
    if (chat.agentUserId !== session.userId || chat.state === ChatState.WAITING) throw notHolder();
    return chat;
  }

  /** Joins every chat of `chats` it is not in yet as a listener; chats it may not join are left out. */
  async function joinAsListener(session: AgentSession, user: User, account: Account, chats: Chat[]): Promise<string[]> {
    const joined = [];
    for (const chat of chats) {
      if (participantOf(chat, session.id) !== undefined || chat.agentUserId === user.id) continue;
      try {
        await writer.change(session.accountId, chat.id, (current, now) =>
          participantOf(current, session.id) !== undefined
            ? { chat: current, events: [] }
            : joinChange(account, current, session, user, ParticipantRole.LISTENER, now),
        );
        joined.push(chat.id);
      } catch (error) {
        // Ended or taken by this user meanwhile: nothing to join.
        if (!(error instanceof AppError)) throw error;
      }
    }
    return joined;
  }

  /** The live sessions that listen to chats of a skill automatically, as participants to add. */
  async function autoListeners(accountId: string, skillId: number | null, now: number): Promise<Participant[]> {
    const sessions = (await store.agentSessions.listLive(accountId)).filter(
      (session) => session.autoListen != null && autoListens(session.autoListen, skillId),
    );
    if (sessions.length === 0) return [];
    const users = new Map((await store.users.list(accountId)).map((user) => [user.id, user]));
    return sessions.flatMap((session) => {
      const user = users.get(session.userId);
      if (user === undefined || !mayShare(user, 'listen', skillId)) return [];
      return [
        {
          sessionId: session.id,
          userId: user.id,
          name: displayName(user),
          role: ParticipantRole.LISTENER,
          joinedAt: now,
        },
      ];
    });
  }

  /** Adds `joining` (not in the chat yet, not its holder) to a chat change, each with its `joined` event. */
  function withJoined(change: ChatChange, joining: Participant[], now: number): ChatChange {
    const fresh = joining.filter(
      (participant) =>
        participantOf(change.chat, participant.sessionId) === undefined &&
        participant.userId !== change.chat.agentUserId,
    );
    if (fresh.length === 0) return change;
    return {
      chat: { ...change.chat, participants: [...change.chat.participants, ...fresh] },
      events: [
        ...change.events,
        ...fresh.map((participant) =>
          participantEvent(
            { action: 'joined', role: participant.role, userId: participant.userId, name: participant.name },
            now,
          ),
        ),
      ],
    };
  }

  return {
    /**
     * What a new chat starts with: the sessions that listen to its skill automatically join it
     * with its first events (start-chat.ts).
     */
    async joinAtStart(accountId: string, change: ChatChange, now: number): Promise<ChatChange> {
      return withJoined(change, await autoListeners(accountId, change.chat.skillId, now), now);
    },

    /**
     * Prepares what a transfer does to the chat's participants. To an agent (`skillId` undefined)
     * they all stay. To a skill each stays whose user may still listen (assist, for an assistant)
     * in it, and the sessions that listen to it automatically join. Either way open invitations
     * close. The returned function applies it inside the transfer's change.
     */
    async prepareTransfer(
      account: Account,
      skillId: number | null | undefined,
    ): Promise<(change: ChatChange, now: number) => ChatChange> {
      const toSkill = skillId !== undefined;
      const users = toSkill ? new Map((await store.users.list(account.id)).map((user) => [user.id, user])) : undefined;
      const joining = toSkill ? await autoListeners(account.id, skillId, clock.now()) : [];
      return (change, at) => {
        const stays = (participant: Participant) => {
          if (users === undefined) return true;
          const user = users.get(participant.userId);
          const kind = participant.role === ParticipantRole.ASSISTANT ? 'assist' : 'listen';
          return user !== undefined && mayShare(user, kind, skillId ?? null);
        };
        const gone = change.chat.participants.filter((participant) => !stays(participant));
        const left = leaveEvents(
          account,
          { ...change.chat, participants: change.chat.participants.filter(stays), invitations: [] },
          gone,
          at,
        );
        const withdrawn = change.chat.invitations.map((invitation) => withdrawnEvent(invitation, at));
        return withJoined({ chat: left.chat, events: [...change.events, ...withdrawn, ...left.events] }, joining, at);
      };
    },

    /** Leaves every chat the session is in (its agent session is ending), inside that transaction. */
    async leaveAll(tx: Transaction, account: Account, sessionId: string): Promise<void> {
      for (const chat of await tx.chats.shared(account.id)) {
        if (participantOf(chat, sessionId) === undefined) continue;
        await writer.changeWithin(tx, account.id, chat.id, (current, now) =>
          participantOf(current, sessionId) === undefined
            ? { chat: current, events: [] }
            : leaveChange(account, current, sessionId, now),
        );
      }
    },

    /** The session joins a waiting or in-progress chat it may listen to (or assist in). */
    async join(session: AgentSession, chatId: string, role: ParticipantRole): Promise<Participant> {
      const [user, account, chat] = await Promise.all([
        userOf(session),
        requireAccount(store, session.accountId),
        liveChat(session.accountId, chatId),
      ]);
      const kind = role === ParticipantRole.ASSISTANT ? 'assist' : 'listen';
      if (!mayShare(user, kind, chat.skillId)) throw noPermission(kind);
      const change = await writer.change(session.accountId, chatId, (current, now) =>
        joinChange(account, current, session, user, role, now),
      );
      const joined = participantOf(change.chat, session.id);
      if (joined === undefined) throw chatEnded();
      return joined;
    },

    /** A participant leaves (itself), or the holder removes one. */
    async leave(session: AgentSession, chatId: string, participantId: string): Promise<void> {
      const account = await requireAccount(store, session.accountId);
      await writer.change(session.accountId, chatId, (chat, now) => {
        const isSelf = participantId === session.id;
        if (!isSelf && chat.agentUserId !== session.userId) {
          if (participantOf(chat, session.id) === undefined) throw notHolder();
          throw new AppError(ErrorCode.FORBIDDEN, 'Only the holder removes another participant');
        }
        if (participantOf(chat, participantId) === undefined)
          throw new AppError(ErrorCode.NOT_FOUND, 'Participant not found');
        return leaveChange(account, chat, participantId, now);
      });
    },

    /** The chat as its holder or a participant sees who is in it. */
    async participants(session: AgentSession, chatId: string): Promise<Chat> {
      const chat = await liveChat(session.accountId, chatId);
      if (chat.agentUserId !== session.userId && participantOf(chat, session.id) === undefined) throw notHolder();
      return chat;
    },

    /**
     * The holder invites a user or anyone with a skill to assist. The invitee must be online (a live
     * agent session, any availability); refused with 400 / 40 otherwise.
     */
    async invite(session: AgentSession, chatId: string, request: InvitationRequest, note: string): Promise<Invitation> {
      await heldChat(session, chatId);
      const inviter = await userOf(session);
      const live = await store.agentSessions.listLive(session.accountId);
      const online = new Set(live.map((s) => s.userId));
      const refuse = (message: string) => new AppError(ErrorCode.VALIDATION, message, { field: 'invitation' });
      let target: Invitation['target'];
      let targetName: string;
      if (request.kind === 'user') {
        const user = isDigits(request.agentId)
          ? await store.users.get(session.accountId, Number(request.agentId))
          : undefined;
        if (user === undefined || !user.enabled || user.deleted) throw refuse(`Unknown agent ${request.agentId}`);
        if (user.id === session.userId) throw refuse('The holder cannot invite itself');
        if (!online.has(user.id)) throw refuse(`Agent ${request.agentId} is not online`);
        target = { kind: 'user', userId: user.id };
        targetName = displayName(user);
      } else {
        const skill = isDigits(request.skillId)
          ? await store.skills.get(session.accountId, Number(request.skillId))
          : undefined;
        if (skill === undefined || skill.deleted) throw refuse(`Unknown skill ${request.skillId}`);
        const users = await store.users.list(session.accountId);
        const someone = users.some(
          (user) =>
            user.id !== session.userId && user.enabled && online.has(user.id) && user.skillIds.includes(skill.id),
        );
        if (!someone) throw refuse(`No agent with skill ${skill.name} is online`);
        target = { kind: 'skill', skillId: skill.id };
        targetName = skill.name;
      }
      const change = await writer.change(session.accountId, chatId, (chat, now) => {
        if (chat.agentUserId !== session.userId) throw notHolder();
        // An ended chat is still its holder's (it reads it): the refusal is the chat's state.
        if (chat.state === ChatState.ENDED) throw chatEnded();
        if (chat.state !== ChatState.CHATTING) throw notHolder();
        const invitation: Invitation = {
          // The id of the `invited` event this change appends first.
          id: `${chat.id}.${chat.nextEventId}`,
          target,
          invitedBy: { userId: inviter.id, name: displayName(inviter) },
          note,
          time: now,
        };
        return {
          chat: { ...chat, invitations: [...chat.invitations, invitation] },
          events: [
            participantEvent(
              {
                action: 'invited',
                role: ParticipantRole.ASSISTANT,
                userId: target.kind === 'user' ? target.userId : null,
                name: targetName,
                invitationId: invitation.id,
                ...(target.kind === 'skill' ? { skillId: target.skillId } : {}),
              },
              now,
              invitation.invitedBy.name,
            ),
          ],
        };
      });
      const invitation = change.chat.invitations.at(-1);
      if (invitation === undefined) throw invitationNotFound();
      return invitation;
    },

    /** An open invitation of the holder's chat. */
    async invitation(session: AgentSession, chatId: string, invitationId: string): Promise<Invitation> {
      const chat = await heldChat(session, chatId);
      const invitation = chat.invitations.find((candidate) => candidate.id === invitationId);
      if (invitation === undefined) throw invitationNotFound();
      return invitation;
    },

    /** The holder withdraws an open invitation. */
    async withdraw(session: AgentSession, chatId: string, invitationId: string): Promise<void> {
      await writer.change(session.accountId, chatId, (chat, now) => {
        if (chat.agentUserId !== session.userId) throw notHolder();
        const invitation = chat.invitations.find((candidate) => candidate.id === invitationId);
        if (invitation === undefined) throw invitationNotFound();
        return {
          chat: { ...chat, invitations: chat.invitations.filter((candidate) => candidate !== invitation) },
          events: [withdrawnEvent(invitation, now)],
        };
      });
    },

    /** The open invitations that reach the session's user, oldest first, with their chats. */
    async invitationsFor(session: AgentSession): Promise<{ chat: Chat; invitation: Invitation }[]> {
      const user = await userOf(session);
      const chats = await store.chats.shared(session.accountId);
      return chats
        .flatMap((chat) => chat.invitations.map((invitation) => ({ chat, invitation })))
        .filter(({ chat, invitation }) => invitationReaches(chat, invitation, user))
        .sort((a, b) => a.invitation.time - b.invitation.time);
    },

    /**
     * The invitee answers: accepting joins the session as an assistant; either way the invitation
     * closes (for a skill, for everyone). An invitation that is closed, or does not reach this
     * user, is not found.
     */
    async answer(session: AgentSession, invitationId: string, accept: boolean): Promise<Chat> {
      const [user, account] = await Promise.all([userOf(session), requireAccount(store, session.accountId)]);
      const chatId = chatOfInvitation(invitationId);
      if (chatId === '') throw invitationNotFound();
      const change = await writer
        .change(session.accountId, chatId, (chat, now) => {
          const invitation = chat.invitations.find((candidate) => candidate.id === invitationId);
          if (invitation === undefined || !invitationReaches(chat, invitation, user)) throw invitationNotFound();
          const closed = { ...chat, invitations: chat.invitations.filter((candidate) => candidate !== invitation) };
          if (accept)
            return joinChange(account, closed, session, user, ParticipantRole.ASSISTANT, now, { invitationId });
          return {
            chat: closed,
            events: [
              participantEvent(
                {
                  action: 'declined',
                  role: ParticipantRole.ASSISTANT,
                  userId: user.id,
                  name: displayName(user),
                  invitationId,
                },
                now,
              ),
            ],
          };
        })
        .catch((error: unknown) => {
          // An invitation whose chat is gone is as closed as one answered.
          if (error instanceof AppError && error.code === ErrorCode.NOT_FOUND) throw invitationNotFound();
          throw error;
        });
      return change.chat;
    },

    /**
     * A participant allowed to assist takes the chat over: it becomes the holder, the former holder
     * loses it (system line 13, then 3 naming the new agent, as a transfer to an agent).
     */
    async takeOver(session: AgentSession, chatId: string): Promise<Chat> {
      const [user, account] = await Promise.all([userOf(session), requireAccount(store, session.accountId)]);
      const change = await writer.change(session.accountId, chatId, (chat, now) => {
        const participant = participantOf(chat, session.id);
        if (participant === undefined) throw new AppError(ErrorCode.FORBIDDEN, 'This agent session is not in the chat');
        if (!mayShare(user, 'assist', chat.skillId)) throw noPermission('assist');
        if (chat.state !== ChatState.CHATTING)
          throw new AppError(ErrorCode.STATE_CONFLICT, 'Only a chat in progress can be taken over');
        const name = displayName(user);
        const events: NewChatEvent[] = [
          participantEvent({ action: 'tookOver', role: participant.role, userId: user.id, name }, now),
          systemLine(account, 13, now),
          systemLine(account, 3, now, name),
        ];
        return {
          chat: {
            ...chat,
            agentUserId: user.id,
            agentName: name,
            agentSessionId: session.id,
            agentTyping: false,
            participants: chat.participants.filter((other) => other !== participant),
          },
          events,
        };
      });
      return change.chat;
    },

    /**
     * Which chats the session's live-chats list holds: live, of a skill it may listen to, narrowed
     * to a skill (id or name). 403 / 43 for a user who may listen to none. A stream keeps it to
     * tell each change it is told of without asking the store.
     */
    async liveChatsScope(session: AgentSession, skill?: string): Promise<(chat: Chat) => boolean> {
      const user = await userOf(session);
      // Once per list or stream, not per chat: every change of the account's chats is asked.
      const scope = scopeOf(user, 'listen');
      if (isEmptyScope(scope) || !mayShare(user, 'listen', null))
        throw new AppError(ErrorCode.FORBIDDEN, 'This agent may not listen to chats');
      const wanted = skill?.toLowerCase();
      return (chat) =>
        chat.state !== ChatState.ENDED &&
        inScope(scope, chat.skillId) &&
        (wanted === undefined || String(chat.skillId) === wanted || chat.skillName?.toLowerCase() === wanted);
    },

    /** The live chats in such a scope, oldest first. */
    async liveChats(session: AgentSession, includes: (chat: Chat) => boolean): Promise<Chat[]> {
      return (await store.chats.live(session.accountId)).filter(includes);
    },

    /**
     * Sets the skills whose chats the session joins as a listener as they start (null: off), and
     * joins their live chats at once. Skills by id or name; "all" is every skill the user may
     * listen to. Returns the scope kept and the chats joined now.
     */
    async setAutoListen(
      session: AgentSession,
      skills: string[] | 'all' | null,
    ): Promise<{ scope: SkillScope | null; joined: string[] }> {
      const user = await userOf(session);
      const allowed = scopeOf(user, 'listen');
      if (skills !== null && isEmptyScope(allowed))
        throw new AppError(ErrorCode.FORBIDDEN, 'This agent may not listen to chats');
      let scope: SkillScope | null = null;
      if (skills === 'all') scope = allowed;
      else if (skills !== null) {
        const ids = [];
        for (const wanted of skills) {
          const skill = isDigits(wanted)
            ? await store.skills.get(session.accountId, Number(wanted))
            : await store.skills.findByName(session.accountId, wanted);
          if (skill === undefined || skill.deleted)
            throw new AppError(ErrorCode.VALIDATION, `Unknown skill ${wanted.slice(0, 80)}`, { field: 'skills' });
          if (!mayShare(user, 'listen', skill.id)) throw noPermission('listen');
          ids.push(skill.id);
        }
        scope = [...new Set(ids)].sort((a, b) => a - b);
      }
      const saved = await store.agentSessions.setAutoListen(session.accountId, session.id, scope);
      if (saved === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Agent session not found');
      if (scope === null) return { scope, joined: [] };
      const account = await requireAccount(store, session.accountId);
      const live = (await store.chats.live(session.accountId)).filter((chat) => autoListens(scope, chat.skillId));
      return { scope, joined: await joinAsListener(session, user, account, live) };
    },

    /** The session's automatic listening (null when off). */
    async autoListen(session: AgentSession): Promise<SkillScope | null> {
      const current = await store.agentSessions.get(session.accountId, session.id);
      return current?.autoListen ?? null;
    },
  };
}

/** A `withdrawn` event for an invitation the holder took back or a transfer closed. */
function withdrawnEvent(invitation: Invitation, now: number): NewChatEvent {
  return participantEvent(
    {
      action: 'withdrawn',
      role: ParticipantRole.ASSISTANT,
      userId: invitation.target.kind === 'user' ? invitation.target.userId : null,
      name: '',
      invitationId: invitation.id,
      ...(invitation.target.kind === 'skill' ? { skillId: invitation.target.skillId } : {}),
    },
    now,
    invitation.invitedBy.name,
  );
}

export type SharedChats = ReturnType<typeof createSharedChats>;

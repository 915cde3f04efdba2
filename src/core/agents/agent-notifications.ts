import type { Clock, EventBus, Store } from '../ports.js';
import type { AgentSession, Chat, ChatState, Invitation, ParticipantRole } from '../chats/chat-model.js';
import type { User } from '../model.js';
import { participantOf } from '../sharing/participants.js';
import { invitationReaches } from '../sharing/shared-chats.js';
import type { ChatWatch } from '../chats/chat-watch.js';
import type { RingingChat, Router } from './router.js';

/**
 * What an agent session is told as it happens: its availability, what rings at it (with the
 * server's time, so a client whose clock is off can still tell how long each chat waited), and a
 * chat assigned to its agent or leaving it (ended, or transferred away).
 */
export type AgentNotice =
  | { kind: 'availability'; availability: string }
  | { kind: 'ring'; chats: RingingChat[]; time: number }
  | { kind: 'chat'; chatId: string; state: ChatState | 'transferred' }
  /** An invitation to assist reaching the agent, or closing (docs/SHARED-CHATS.md). */
  | { kind: 'invitation'; chat: Chat; invitation: Invitation; state: 'open' | 'closed' }
  /** The session joined a chat as a participant, left it, saw it end, or took it over. */
  | { kind: 'participation'; chatId: string; role: ParticipantRole; state: 'joined' | 'left' | 'ended' | 'holder' };

/** What a ring shows the agent: a change to a ringing chat that alters none of it is not told. */
const ringShown = (chats: RingingChat[]) =>
  JSON.stringify(chats.map(({ skill, visitorName, waitingSince }) => ({ skill, visitorName, waitingSince })));

/**
 * Watches one agent session for a notification stream (a workspace or a bot listening instead of
 * polling incomingRequests every 2 s).
 */
export function createAgentNotifications(deps: {
  store: Store;
  bus: EventBus;
  clock: Clock;
  router: Router;
  watch: ChatWatch;
}) {
  const { store, bus, clock, router, watch } = deps;

  return {
    /**
     * Tells `notify` the session's opening state (availability, ring, each chat held, each chat it
     * is a participant of, each open invitation reaching it), then every change; `onFailure` when a later read fails (the watch is over then). Resolves, once the
     * opening state is told, to the function that stops watching.
     */
    async watch(
      session: AgentSession,
      notify: (notice: AgentNotice) => void,
      onFailure: () => void,
    ): Promise<() => void> {
      const held = new Set<string>();
      // Chats the session is a participant of, with its role; open invitations told, by id.
      const joined = new Map<string, ParticipantRole>();
      const invited = new Map<string, Invitation>();
      let user: User | undefined;
      // Chats ringing here, as last read: a change to one of them, or one starting to ring, reads again.
      const ringing = new Set<string>();
      let lastRing: string | undefined;
      let isStopped = false;
      const tellRing = (chats: RingingChat[]) => {
        ringing.clear();
        for (const chat of chats) ringing.add(chat.chatId);
        const shown = ringShown(chats);
        // Most changes to a ringing chat (a line, a survey) change nothing the ring shows.
        if (shown === lastRing) return;
        lastRing = shown;
        notify({ kind: 'ring', chats, time: clock.now() });
      };

      // One read at a time; changes that arrive during a read coalesce into one more.
      let isReading = false;
      let isStale = false;
      const reread = () => {
        if (isReading) {
          isStale = true;
          return;
        }
        isReading = true;
        void (async () => {
          try {
            do {
              isStale = false;
              tellRing(await router.ringing(session.accountId, session.userId));
            } while (isStale && !isStopped);
          } catch {
            onFailure();
          } finally {
            isReading = false;
          }
        })();
      };

      /** Participation and invitations: what the change does to this session's place in the chat. */
      const onShared = (chat: Chat) => {
        const role = joined.get(chat.id);
        const participant = participantOf(chat, session.id);
        if (role !== undefined && chat.state === 'ended') {
          joined.delete(chat.id);
          notify({ kind: 'participation', chatId: chat.id, role, state: 'ended' });
        } else if (role !== undefined && participant === undefined) {
          joined.delete(chat.id);
          const tookOver = chat.agentSessionId === session.id;
          notify({ kind: 'participation', chatId: chat.id, role, state: tookOver ? 'holder' : 'left' });
        } else if (participant !== undefined && chat.state !== 'ended' && participant.role !== role) {
          joined.set(chat.id, participant.role);
          notify({ kind: 'participation', chatId: chat.id, role: participant.role, state: 'joined' });
        }
        if (user === undefined) return;
        const open = new Set<string>();
        for (const invitation of chat.invitations) {
          if (!invitationReaches(chat, invitation, user)) continue;
          open.add(invitation.id);
          if (!invited.has(invitation.id)) {
            invited.set(invitation.id, invitation);
            notify({ kind: 'invitation', chat, invitation, state: 'open' });
          }
        }
        for (const [id, invitation] of invited) {
          if (open.has(id) || !id.startsWith(`${chat.id}.`)) continue;
          invited.delete(id);
          notify({ kind: 'invitation', chat, invitation, state: 'closed' });
        }
      };

      const onChange = (chat: Chat) => {
        onShared(chat);
        const isMine = chat.agentUserId === session.userId && chat.state !== 'ended';
        if (isMine && !held.has(chat.id)) {
          held.add(chat.id);
          notify({ kind: 'chat', chatId: chat.id, state: chat.state });
        } else if (!isMine && held.delete(chat.id)) {
          notify({ kind: 'chat', chatId: chat.id, state: chat.state === 'ended' ? 'ended' : 'transferred' });
        }
        // The ring changes when a chat starts or stops ringing here, or one ringing here changes (its
        // visitor's name). Changes to other chats cost nothing.
        if (chat.ringingUserId === session.userId) {
          ringing.add(chat.id);
          reread();
        } else if (ringing.delete(chat.id)) {
          reread();
        }
      };

      /**
       * After a break of the bus (changes may have been missed): every chat the session was told of
       * and every chat that concerns it now, read from the store and put through the same handler,
       * which tells only what differs; then the ring and the availability. One at a time.
       */
      let isResyncing = false;
      let isResyncStale = false;
      let availability: string = session.availability;
      const resync = () => {
        isResyncStale = true;
        if (isResyncing) return;
        isResyncing = true;
        void (async () => {
          try {
            while (isResyncStale && !isStopped) {
              isResyncStale = false;
              const [mine, shared, current] = await Promise.all([
                store.chats.heldByUser(session.accountId, session.userId),
                store.chats.shared(session.accountId),
                store.agentSessions.get(session.accountId, session.id),
              ]);
              const chats = new Map([...mine, ...shared].map((chat) => [chat.id, chat]));
              const told = [
                ...held,
                ...joined.keys(),
                ...[...invited.keys()].map((id) => id.slice(0, id.lastIndexOf('.'))),
              ];
              for (const chatId of new Set(told)) {
                if (chats.has(chatId)) continue;
                const chat = await store.chats.get(session.accountId, chatId);
                if (chat !== undefined) chats.set(chatId, chat);
                // Gone from the store: it ended and its retention passed.
                else if (held.delete(chatId)) notify({ kind: 'chat', chatId, state: 'ended' });
              }
              if (isStopped) return;
              for (const chat of chats.values()) onChange(chat);
              reread();
              if (current !== undefined && current.availability !== availability) {
                availability = current.availability;
                notify({ kind: 'availability', availability });
              }
            }
          } catch {
            onFailure();
          } finally {
            isResyncing = false;
          }
        })();
      };

      // Listen before the first reads, so a change committed meanwhile is not missed: it waits until
      // the opening state has been told, then goes through the same handler. A wake-up with no
      // change (the bus resumed) during the first reads is answered by a resync once they are done.
      let early: (Chat | undefined)[] | undefined = [];
      const unsubscribeChats = watch.listenAccount(session.accountId, (change) => {
        if (early !== undefined) early.push(change?.chat);
        else if (change === undefined) resync();
        else onChange(change.chat);
      });
      try {
        for (const chat of await store.chats.heldByUser(session.accountId, session.userId)) held.add(chat.id);
        const ringingNow = await router.ringing(session.accountId, session.userId);
        const [shared, caller] = await Promise.all([
          store.chats.shared(session.accountId),
          store.users.get(session.accountId, session.userId),
        ]);
        notify({ kind: 'availability', availability: session.availability });
        tellRing(ringingNow);
        for (const chatId of held) notify({ kind: 'chat', chatId, state: 'chatting' });
        user = caller;
        for (const chat of shared) onShared(chat);
      } catch (error) {
        unsubscribeChats();
        throw error;
      }
      const pending = early;
      early = undefined;
      for (const chat of pending) {
        if (chat === undefined) resync();
        else onChange(chat);
      }

      const unsubscribeAvailability = bus.subscribe('agent.availability', (event) => {
        if (event.sessionId === session.id && event.accountId === session.accountId) {
          availability = event.availability;
          notify({ kind: 'availability', availability: event.availability });
        }
      });
      return () => {
        isStopped = true;
        unsubscribeChats();
        unsubscribeAvailability();
      };
    },
  };
}

export type AgentNotifications = ReturnType<typeof createAgentNotifications>;

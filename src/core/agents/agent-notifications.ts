import type { Clock, EventBus, Store } from '../ports.js';
import type { AgentSession, Chat, ChatState } from '../chats/chat-model.js';
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
  | { kind: 'chat'; chatId: string; state: ChatState | 'transferred' };

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
     * Tells `notify` the session's opening state (availability, ring, each chat held), then every
     * change; `onFailure` when a later read fails (the watch is over then). Resolves, once the
     * opening state is told, to the function that stops watching.
     */
    async watch(
      session: AgentSession,
      notify: (notice: AgentNotice) => void,
      onFailure: () => void,
    ): Promise<() => void> {
      const held = new Set<string>();
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

      const onChange = (chat: Chat) => {
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

      // Listen before the first reads, so a change committed meanwhile is not missed: it waits until
      // the opening state has been told, then goes through the same handler.
      let early: Chat[] | undefined = [];
      const unsubscribeChats = watch.listenAccount(session.accountId, ({ chat }) => {
        if (early === undefined) onChange(chat);
        else early.push(chat);
      });
      try {
        for (const chat of await store.chats.heldByUser(session.accountId, session.userId)) held.add(chat.id);
        const ringingNow = await router.ringing(session.accountId, session.userId);
        notify({ kind: 'availability', availability: session.availability });
        tellRing(ringingNow);
        for (const chatId of held) notify({ kind: 'chat', chatId, state: 'chatting' });
      } catch (error) {
        unsubscribeChats();
        throw error;
      }
      const pending = early;
      early = undefined;
      for (const chat of pending) onChange(chat);

      const unsubscribeAvailability = bus.subscribe('agent.availability', (event) => {
        if (event.sessionId === session.id && event.accountId === session.accountId) {
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

import { AppError, ErrorCode } from '../errors.js';
import type { User } from '../model.js';
import type { Clock, DomainEvent, EventBus, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { acceptedChange, systemLine, unrungChat } from '../chats/chat-events.js';
import { Availability, ChatState, type AgentSession, type Chat } from '../chats/chat-model.js';
import type { ChatWriter } from '../chats/chat-writer.js';

/** An agent's availability across its live sessions: Online beats Occupied beats Away. */
export function effectiveAvailability(sessions: AgentSession[]): Availability | null {
  if (sessions.some((s) => s.availability === Availability.ONLINE)) return Availability.ONLINE;
  if (sessions.some((s) => s.availability === Availability.OCCUPIED)) return Availability.OCCUPIED;
  return sessions.length > 0 ? Availability.AWAY : null;
}

/** Live sessions by their agent, in one pass: not a scan of them all for every agent. */
export function sessionsByUser(sessions: AgentSession[]): Map<number, AgentSession[]> {
  const byUser = new Map<number, AgentSession[]>();
  for (const session of sessions) {
    const own = byUser.get(session.userId);
    if (own === undefined) byUser.set(session.userId, [session]);
    else own.push(session);
  }
  return byUser;
}

/** Every logged-in agent's availability across its live sessions. */
export function availabilityByUser(sessions: AgentSession[]): Map<number, Availability> {
  const availability = new Map<number, Availability>();
  for (const [userId, own] of sessionsByUser(sessions)) {
    availability.set(userId, effectiveAvailability(own) ?? Availability.AWAY);
  }
  return availability;
}

interface AgentLoad {
  user: User;
  availability: Availability;
  active: number;
  ringing: number;
}

/**
 * A chat ringing at an agent as the agent may see it before accepting (a Parley addition): what it
 * is about, not which chat it is — the id stays with the server until accept hands one over.
 */
export interface RingingChat {
  /** For the server's own bookkeeping (which changes concern this ring); never sent to the agent. */
  chatId: string;
  /** The skill's name; null for the default queue. */
  skill: string | null;
  /** null until the visitor gives a name (server-chat §3.13). */
  visitorName: string | null;
  /** Epoch ms the chat (re)joined its queue: a transferred chat waits from its transfer. */
  waitingSince: number;
}

const hasRoom = (agent: AgentLoad): boolean =>
  agent.user.maxChats === -1 || agent.active + agent.ringing < agent.user.maxChats;

/**
 * Ring/accept routing (chat-agent-api §3.8–3.9, server-chat §4.4): each waiting chat, oldest first,
 * rings one agent that is Online, holds its skill and has a free slot under `maxChats` (a transfer
 * to an agent rings that agent, also while Occupied); the least loaded agent is chosen. A ring not
 * accepted within the account's ring timeout sets that agent Away and the chat rings elsewhere with
 * system line 23. Accepting takes the oldest chat ringing at the agent, under the account lock, so
 * two agents never get one chat and no chat is lost.
 */
export function createRouter({
  store,
  clock,
  writer,
  bus,
}: {
  store: Store;
  clock: Clock;
  writer: ChatWriter;
  bus: EventBus;
}) {
  /** One routing pass at a time per account in this process; the store lock covers other nodes. */
  const passes = new Map<string, Promise<void>>();
  const again = new Set<string>();

  async function pass(accountId: string): Promise<void> {
    await store.transaction(async (tx) => {
      await tx.lockAccount(accountId);
      const account = await tx.accounts.get(accountId);
      if (account === undefined) return;
      const waiting = await tx.chats.queue(accountId);
      const unrouted = waiting.filter((chat) => chat.ringingUserId === null);
      if (unrouted.length === 0) return;
      const sessions = await tx.agentSessions.listLive(accountId);
      const users = await tx.users.list(accountId);
      const active = await tx.chats.activeCountByAgent(accountId);
      const availabilities = availabilityByUser(sessions);
      const ringingByUser = new Map<number, number>();
      for (const { ringingUserId } of waiting) {
        if (ringingUserId !== null) ringingByUser.set(ringingUserId, (ringingByUser.get(ringingUserId) ?? 0) + 1);
      }
      const loads = new Map<number, AgentLoad>();
      for (const user of users) {
        const availability = availabilities.get(user.id);
        if (availability === undefined || !user.enabled || user.deleted) continue;
        const ringing = ringingByUser.get(user.id) ?? 0;
        loads.set(user.id, { user, availability, active: active.get(user.id) ?? 0, ringing });
      }
      const now = clock.now();
      for (const chat of unrouted) {
        const candidates = [...loads.values()].filter((agent) => {
          if (!hasRoom(agent)) return false;
          if (chat.targetUserId !== null) {
            return agent.user.id === chat.targetUserId && agent.availability !== Availability.AWAY;
          }
          if (agent.availability !== Availability.ONLINE) return false;
          if (chat.requestedAgent !== null)
            return agent.user.loginName.toLowerCase() === chat.requestedAgent.toLowerCase();
          return chat.skillId === null || agent.user.skillIds.includes(chat.skillId);
        });
        const chosen = candidates.sort(
          (a, b) => a.active + a.ringing - (b.active + b.ringing) || a.user.id - b.user.id,
        )[0];
        if (chosen === undefined) continue;
        chosen.ringing += 1;
        const ringDueAt = now + account.settings.ringTimeoutSeconds * 1000;
        await writer.changeWithin(tx, accountId, chat.id, (current) => ({
          chat: { ...current, ringingUserId: chosen.user.id, ringDueAt },
          events: [],
        }));
      }
    });
  }

  /** Routes the account's waiting chats; concurrent calls coalesce into one more pass. */
  async function route(accountId: string): Promise<void> {
    const running = passes.get(accountId);
    if (running !== undefined) {
      again.add(accountId);
      return running;
    }
    const run = (async () => {
      do {
        again.delete(accountId);
        await pass(accountId);
      } while (again.has(accountId));
    })().finally(() => passes.delete(accountId));
    passes.set(accountId, run);
    return run;
  }

  return {
    route,

    /** How many chats ring at this agent now (`ringingCount`, chat-agent-api §3.8). */
    ringingCount(accountId: string, userId: number): Promise<number> {
      return store.chats.countRinging(accountId, userId);
    },

    /**
     * The chats ringing at this agent, oldest first: the first is the one accept takes (§3.9).
     * One indexed query, so a notification stream can read it on every change of a ring.
     */
    async ringing(accountId: string, userId: number): Promise<RingingChat[]> {
      const chats = await store.chats.listRinging(accountId, userId);
      return chats.map((chat) => ({
        chatId: chat.id,
        skill: chat.skillName,
        visitorName: chat.visitorName,
        waitingSince: chat.queuedAt ?? chat.startTime,
      }));
    },

    /** Accepts the oldest chat ringing at the agent; 404 / 42 when nothing rings (§3.9). */
    async accept(accountId: string, session: AgentSession, agent: User): Promise<Chat> {
      const account = await requireAccount(store, accountId);
      const accepted = await store.transaction(async (tx) => {
        await tx.lockAccount(accountId);
        // The session may have ended since the request began (logout, idle): it takes nothing then.
        const live = await tx.agentSessions.get(accountId, session.id);
        if (live === undefined || live.endedAt !== null)
          throw new AppError(ErrorCode.NOT_FOUND, 'Agent session not found');
        // The oldest ringing here, in the queue order every list of waiting chats follows.
        const [next] = await tx.chats.listRinging(accountId, agent.id);
        if (next === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'No incoming chat request');
        const name = agent.nickname || agent.loginName;
        return writer.changeWithin(tx, accountId, next.id, (chat, now) =>
          acceptedChange(account, chat, { id: agent.id, name }, session.id, now),
        );
      });
      return accepted.chat;
    },

    /**
     * Rings that timed out: the agent goes Away on every session, line 23, and the chat rings
     * elsewhere (chat-agent-api §3.9; state stays `waiting`).
     */
    async expireRings(batch = 100): Promise<number> {
      const due = await store.chats.ringsDue(clock.now(), batch);
      const accounts = new Set<string>();
      let expired = 0;
      for (const candidate of due) {
        const account = await store.accounts.get(candidate.accountId);
        if (account === undefined) continue;
        const madeAway: AgentSession[] = [];
        const result = await store
          .transaction(async (tx) => {
            await tx.lockAccount(candidate.accountId);
            const change = await writer.changeWithin(tx, candidate.accountId, candidate.id, async (chat, now) => {
              if (
                chat.state !== ChatState.WAITING ||
                chat.ringDueAt === null ||
                chat.ringDueAt > now ||
                chat.ringingUserId === null
              ) {
                return { chat, events: [] };
              }
              for (const session of await tx.agentSessions.listLive(chat.accountId)) {
                if (session.userId === chat.ringingUserId && session.availability !== Availability.AWAY) {
                  const away = await tx.agentSessions.setAvailability(
                    session.accountId,
                    session.id,
                    Availability.AWAY,
                    now,
                    // Away by the server's doing, not for a reason the agent gave.
                    null,
                  );
                  if (away !== undefined) madeAway.push(away);
                }
              }
              return {
                // A transfer to this agent goes back to its skill (the agent is Away now).
                chat: unrungChat(chat),
                events: [systemLine(account, 23, now)],
              };
            });
            // After the chat's own announcement, as the agent's clients expect the ring's end first.
            for (const away of madeAway) tx.afterCommit(() => bus.publish(availabilityChanged(away)));
            return change;
          })
          .catch(() => undefined);
        if (result !== undefined && result.events.length > 0) {
          accounts.add(candidate.accountId);
          expired += 1;
        }
      }
      for (const accountId of accounts) await route(accountId);
      return expired;
    },
  };
}

export type Router = ReturnType<typeof createRouter>;

/** What an agent session's new availability announces (the agent stream tells the agent's clients). */
export const availabilityChanged = (session: AgentSession): DomainEvent => ({
  type: 'agent.availability',
  accountId: session.accountId,
  sessionId: session.id,
  userId: session.userId,
  availability: session.availability,
});

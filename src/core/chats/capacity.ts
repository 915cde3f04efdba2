import type { Account, User } from '../model.js';
import type { Clock, QueuedChat, Store } from '../ports.js';
import { Availability, ChatState, type Chat } from './chat-model.js';

/** Which agents a question is about: a skill (by id; null = any), or one agent by login name. */
export type Audience = { kind: 'skill'; skillId: number | null } | { kind: 'agent'; loginName: string };

/** An audience as a request names it: one agent by login name, or a skill by name (any skill when none). */
export type AudienceQuery = { kind: 'agent'; loginName: string } | { kind: 'skill'; skillName: string | undefined };

interface EligibleAgent {
  user: User;
  /** Chats this agent can still take now; Infinity when unlimited. */
  free: number;
}

/** Stands for a skill name the account does not have: no agent holds it, no chat waits for it. */
export const UNKNOWN_SKILL_ID = -1;

/** Window of history the wait estimator reads. */
export const ESTIMATOR_WINDOW_MS = 30 * 60_000;
/** Fewer slot releases than this in the window: not enough data (-2). */
export const ESTIMATOR_MIN_RELEASES = 3;

/**
 * Availability, free slots and estimated wait, computed from real agent state: agents with a live
 * agent session set Online, holding the skill, with their chats counted (server-chat §3.1–3.3,
 * chat-agent-api §3.6). The same figures serve both APIs.
 *
 * Estimated wait (server-chat §3.3): -1 when no eligible agent is online; 0 when a free slot is left
 * for the chat after those queued ahead of it; -2 when fewer than 3 chats of the skill ended with an
 * agent in the last 30 minutes (not enough data); otherwise the queue position divided by the rate
 * at which those agents freed slots over that window: ceil((queuedAhead + 1 - freeSlots) / rate).
 */
export function createCapacity({ store, clock }: { store: Store; clock: Clock }) {
  /** Agents with a live session set Online, enabled and not deleted (users are read only if any). */
  async function onlineAgents(accountId: string): Promise<User[]> {
    const sessions = await store.agentSessions.listLive(accountId);
    const onlineUserIds = new Set(sessions.filter((s) => s.availability === Availability.ONLINE).map((s) => s.userId));
    if (onlineUserIds.size === 0) return [];
    const users = await store.users.list(accountId);
    return users.filter((user) => onlineUserIds.has(user.id) && user.enabled && !user.deleted);
  }

  const isInAudience = (user: User, audience: Audience): boolean =>
    audience.kind === 'agent'
      ? user.loginName.toLowerCase() === audience.loginName.toLowerCase()
      : audience.skillId === null || user.skillIds.includes(audience.skillId);

  /**
   * The audience's online agents with their load, and the account's waiting chats (read once for
   * both; none when no agent is online, since no answer then depends on them).
   */
  async function snapshot(
    account: Account,
    audience: Audience,
  ): Promise<{ agents: EligibleAgent[]; waiting: QueuedChat[] }> {
    const online = (await onlineAgents(account.id)).filter((user) => isInAudience(user, audience));
    if (online.length === 0) return { agents: [], waiting: [] };
    const [active, waiting] = await Promise.all([
      store.chats.activeCountByAgent(account.id),
      store.chats.queue(account.id),
    ]);
    const ringing = new Map<number, number>();
    for (const chat of waiting) {
      if (chat.ringingUserId !== null) ringing.set(chat.ringingUserId, (ringing.get(chat.ringingUserId) ?? 0) + 1);
    }
    const agents = online.map((user) => {
      // Chats ringing at the agent hold a slot until accepted or re-routed (chat-agent-api §3.6).
      const count = (active.get(user.id) ?? 0) + (ringing.get(user.id) ?? 0);
      const free = user.maxChats === -1 ? Infinity : Math.max(0, user.maxChats - count);
      return { user, free };
    });
    return { agents, waiting };
  }

  /**
   * Waiting chats that compete for the audience's agents (not yet ringing anyone), oldest first;
   * with `before`, only those queued ahead of it. `waiting` comes in queue order (queued_at,
   * start_time, id): the order accept takes them in, ties included.
   */
  function queued(waiting: QueuedChat[], audience: Audience, before?: Chat): QueuedChat[] {
    const position = before === undefined ? -1 : waiting.findIndex((chat) => chat.id === before.id);
    const ahead = position === -1 ? waiting : waiting.slice(0, position);
    return ahead.filter((chat) => {
      if (chat.ringingUserId !== null) return false;
      if (audience.kind === 'agent') return chat.requestedAgent?.toLowerCase() === audience.loginName.toLowerCase();
      return audience.skillId === null || chat.skillId === audience.skillId;
    });
  }

  const freeSlots = (agents: EligibleAgent[]): number => agents.reduce((sum, agent) => sum + agent.free, 0);

  async function estimatedWait(account: Account, audience: Audience, queuedAhead: number, agents: EligibleAgent[]) {
    if (agents.length === 0) return -1;
    const free = freeSlots(agents);
    if (free > queuedAhead) return 0;
    const now = clock.now();
    const skillId = audience.kind === 'skill' ? audience.skillId : null;
    const released = await store.chats.countReleased(account.id, skillId, now - ESTIMATOR_WINDOW_MS);
    if (released < ESTIMATOR_MIN_RELEASES) return -2;
    const releasesPerSecond = released / (ESTIMATOR_WINDOW_MS / 1000);
    return Math.max(1, Math.ceil((queuedAhead + 1 - free) / releasesPerSecond));
  }

  /** The estimated wait of a new chat, or of `chat` counting only the chats queued ahead of it. */
  async function waitBehind(account: Account, audience: Audience, chat?: Chat): Promise<number> {
    const { agents, waiting } = await snapshot(account, audience);
    return estimatedWait(account, audience, queued(waiting, audience, chat).length, agents);
  }

  const capacity = {
    /** Whether a chat could be served (server-chat §3.1): online; free now (0); within N seconds. */
    async isAvailable(account: Account, audience: Audience, maxWaitTime: number | undefined): Promise<boolean> {
      if (maxWaitTime === undefined)
        return (await onlineAgents(account.id)).some((user) => isInAudience(user, audience));
      const { agents, waiting } = await snapshot(account, audience);
      if (agents.length === 0) return false;
      const ahead = queued(waiting, audience).length;
      if (maxWaitTime === 0) return freeSlots(agents) > ahead;
      const wait = await estimatedWait(account, audience, ahead, agents);
      // Not enough data (-2) counts as available while an agent is online (server-chat §3.1).
      return wait === -2 || (wait >= 0 && wait <= maxWaitTime);
    },

    /** Free slots now minus the chats already waiting for them; -1 when an agent is unlimited. */
    async availableSlots(account: Account, audience: Audience): Promise<number> {
      const { agents, waiting } = await snapshot(account, audience);
      if (agents.some((agent) => agent.free === Infinity)) return -1;
      return Math.max(0, freeSlots(agents) - queued(waiting, audience).length);
    },

    /** Seconds a new chat would wait. */
    estimatedWaitTime: (account: Account, audience: Audience): Promise<number> => waitBehind(account, audience),

    /**
     * Seconds until an agent takes this chat, counting only the chats queued ahead of it (a Parley
     * addition: the account-level figure counts the visitor's own chat as one more ahead). 0 once
     * it rings at an agent or is being served; -1 once it ended.
     */
    async estimatedWaitTimeOf(account: Account, chat: Chat): Promise<number> {
      if (chat.state === ChatState.ENDED) return -1;
      if (chat.state !== ChatState.WAITING || chat.ringingUserId !== null) return 0;
      const audience: Audience =
        chat.requestedAgent === null
          ? { kind: 'skill', skillId: chat.skillId }
          : { kind: 'agent', loginName: chat.requestedAgent };
      return waitBehind(account, audience, chat);
    },

    /** Every skill of the account with whether an agent can take a chat for it now (a visitor's skill choice). */
    async skillAvailability(account: Account): Promise<{ name: string; isAvailable: boolean }[]> {
      const [skills, online] = await Promise.all([store.skills.list(account.id), onlineAgents(account.id)]);
      return skills
        .filter((skill) => !skill.deleted)
        .map((skill) => ({ name: skill.name, isAvailable: online.some((user) => user.skillIds.includes(skill.id)) }));
    },

    /** The audience a request names, its skill resolved by skillAudience. */
    async audience(account: Account, query: AudienceQuery): Promise<Audience> {
      return query.kind === 'agent' ? query : capacity.skillAudience(account, query.skillName);
    },

    /** Each named skill's availability, in the order named (the SDK's multi-skill form, server-chat §3.1). */
    async availabilityOfSkills(
      account: Account,
      skillNames: string[],
      maxWaitTime: number | undefined,
    ): Promise<{ skill: string; isAvailable: boolean }[]> {
      const availability = [];
      for (const skill of skillNames) {
        const audience = await capacity.skillAudience(account, skill);
        availability.push({ skill, isAvailable: await capacity.isAvailable(account, audience, maxWaitTime) });
      }
      return availability;
    },

    /** Resolves a skill name (exact, then case-insensitive); a skill nobody holds is unknown. */
    async skillAudience(account: Account, skillName: string | undefined): Promise<Audience> {
      if (skillName === undefined) return { kind: 'skill', skillId: null };
      const skill = await store.skills.findByName(account.id, skillName);
      return { kind: 'skill', skillId: skill?.id ?? UNKNOWN_SKILL_ID };
    },
  };
  return capacity;
}

export type Capacity = ReturnType<typeof createCapacity>;

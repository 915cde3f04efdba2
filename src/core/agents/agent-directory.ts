import type { Account, Skill, User } from '../model.js';
import type { Clock, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import type { Capacity } from '../chats/capacity.js';
import type { AgentSession } from '../chats/chat-model.js';
import { effectiveAvailability, sessionsByUser } from './router.js';

/** An agent's chat state in the agent list (chat-agent-api §3.5): a logged-out agent is Offline. */
export type ListedState = 'Offline' | 'Online' | 'Occupied' | 'Away';

/**
 * One agent of the list: its user, state across its live sessions, the reason given for that
 * state (null for none), active chats, time in the state.
 */
export interface ListedAgent {
  user: User;
  state: ListedState;
  chatReasonId: string | null;
  chats: number;
  sinceMs: number;
}

/**
 * What the agent list is narrowed to (chat-agent-api §3.5): a skill's name, a chat state and a
 * voice state (case-insensitive), an availability reason (exact).
 */
export interface AgentListFilter {
  skill?: string;
  chatState?: string;
  voiceState?: string;
  chatReasonId?: string;
}

/** Parley has no voice channel: every agent's voice state is Offline (code 1). */
const VOICE_STATE = 'offline';

/** Whose free slots to count (chat-agent-api §3.6): one agent by login name, or a skill's agents. */
export interface SlotsQuery {
  agent?: string;
  skill?: string;
}

/**
 * What an agent may learn about the account's other agents (chat-agent-api §3.5–3.6): who they are
 * and how available, and how many chats could start now.
 */
export function createAgentDirectory({ store, clock, capacity }: { store: Store; clock: Clock; capacity: Capacity }) {
  return {
    /**
     * Every enabled agent of the account, the caller included, narrowed by the filter; with the
     * account's skills (to name each agent's) and the time the list was read.
     */
    async availableAgents(
      session: AgentSession,
      filter: AgentListFilter,
    ): Promise<{ agents: ListedAgent[]; skills: Skill[]; now: number }> {
      const { accountId } = session;
      await requireAccount(store, accountId);
      const [users, skills, liveSessions, active] = await Promise.all([
        store.users.list(accountId).then((all) => all.filter((user) => !user.deleted)),
        store.skills.list(accountId).then((all) => all.filter((skill) => !skill.deleted)),
        store.agentSessions.listLive(accountId),
        store.chats.activeCountByAgent(accountId),
      ]);
      const { skill, chatState, voiceState, chatReasonId } = filter;
      // An unknown skill matches nobody, rather than being ignored.
      const skillId =
        skill === undefined ? undefined : (skills.find((s) => s.name.toLowerCase() === skill.toLowerCase())?.id ?? -1);
      const stateFilter = chatState?.toLowerCase();
      // A voice state other than Offline matches nobody; Offline narrows nothing.
      const voiceMatches = voiceState === undefined || voiceState.toLowerCase() === VOICE_STATE;
      const now = clock.now();
      const liveByUser = sessionsByUser(liveSessions);
      const agents = users
        .filter((user) => user.enabled && (skillId === undefined || user.skillIds.includes(skillId)))
        .map((user): ListedAgent => {
          const own = liveByUser.get(user.id) ?? [];
          const state = effectiveAvailability(own) ?? 'Offline';
          // Time in the current state, and its reason: those of the latest change among the
          // sessions in that state.
          const deciding = own
            .filter((s) => s.availability === state)
            .sort((a, b) => b.availabilitySince - a.availabilitySince)[0];
          const since = deciding === undefined ? now : deciding.availabilitySince;
          const reason = deciding?.chatReasonId ?? null;
          return { user, state, chatReasonId: reason, chats: active.get(user.id) ?? 0, sinceMs: now - since };
        })
        .filter(
          (agent) =>
            voiceMatches &&
            (stateFilter === undefined || agent.state.toLowerCase() === stateFilter) &&
            (chatReasonId === undefined || agent.chatReasonId === chatReasonId),
        );
      return { agents, skills, now };
    },

    /** Free chat slots of one agent, or of a skill's agents (the default queue's without one). */
    async availableSlots(account: Account, query: SlotsQuery): Promise<number> {
      const audience =
        query.agent !== undefined
          ? { kind: 'agent' as const, loginName: query.agent }
          : await capacity.skillAudience(account, query.skill);
      return capacity.availableSlots(account, audience);
    },
  };
}

export type AgentDirectory = ReturnType<typeof createAgentDirectory>;

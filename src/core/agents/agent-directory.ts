import type { Account, Skill, User } from '../model.js';
import type { Clock, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import type { Capacity } from '../chats/capacity.js';
import type { AgentSession } from '../chats/chat-model.js';
import { effectiveAvailability, sessionsByUser } from './router.js';

/** An agent's chat state in the agent list (chat-agent-api §3.5): a logged-out agent is Offline. */
export type ListedState = 'Offline' | 'Online' | 'Occupied' | 'Away';

/** One agent of the list: its user, state across its live sessions, active chats, time in the state. */
export interface ListedAgent {
  user: User;
  state: ListedState;
  chats: number;
  sinceMs: number;
}

/** What the agent list is narrowed to: a skill's name and a chat state, both case-insensitive. */
export interface AgentListFilter {
  skill?: string;
  chatState?: string;
}

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
      const { skill, chatState } = filter;
      // An unknown skill matches nobody, rather than being ignored.
      const skillId =
        skill === undefined ? undefined : (skills.find((s) => s.name.toLowerCase() === skill.toLowerCase())?.id ?? -1);
      const stateFilter = chatState?.toLowerCase();
      const now = clock.now();
      const liveByUser = sessionsByUser(liveSessions);
      const agents = users
        .filter((user) => user.enabled && (skillId === undefined || user.skillIds.includes(skillId)))
        .map((user): ListedAgent => {
          const own = liveByUser.get(user.id) ?? [];
          const state = effectiveAvailability(own) ?? 'Offline';
          // Time in the current state: since the latest change among the sessions in that state.
          const deciding = own.filter((s) => s.availability === state);
          const since = deciding.length === 0 ? now : Math.max(...deciding.map((s) => s.availabilitySince));
          return { user, state, chats: active.get(user.id) ?? 0, sinceMs: now - since };
        })
        .filter((agent) => stateFilter === undefined || agent.state.toLowerCase() === stateFilter);
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

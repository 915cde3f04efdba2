import type { LiveChat } from '@parley/sdk';

/** The live chats of one skill, as the supervisor view groups them. */
export interface SkillGroup {
  /** null: the chats that asked for no skill (any agent may take them). */
  skill: string | null;
  waiting: LiveChat[];
  chatting: LiveChat[];
}

/**
 * The chats by skill, in name order with the chats without a skill last; in each group the
 * waiting and the in-progress chats apart, each in the server's order (oldest first).
 */
export function bySkill(chats: readonly LiveChat[]): SkillGroup[] {
  const groups = new Map<string | null, SkillGroup>();
  for (const chat of chats) {
    let group = groups.get(chat.skill);
    if (group === undefined) {
      group = { skill: chat.skill, waiting: [], chatting: [] };
      groups.set(chat.skill, group);
    }
    (chat.state === 'waiting' ? group.waiting : group.chatting).push(chat);
  }
  return [...groups.values()].sort((a, b) =>
    a.skill === null ? 1 : b.skill === null ? -1 : a.skill.localeCompare(b.skill),
  );
}

import type { SkillScope } from '../chats/chat-model.js';
import { Role, type User } from '../model.js';

/** What a user may do with chats it does not hold (docs/SHARED-CHATS.md, "Who may"). */
export type SharingKind = 'listen' | 'assist';

/**
 * The skills whose chats `user` may listen to or assist in: its own setting, else the role's
 * default (managers and admins, for the skills they hold; agents, none). Assist includes listen.
 */
export function scopeOf(user: User, kind: SharingKind): SkillScope {
  const scopes = [scopeFor(user, 'assist'), ...(kind === 'listen' ? [scopeFor(user, 'listen')] : [])];
  if (scopes.includes('all')) return 'all';
  return [...new Set(scopes.flatMap((scope) => (scope === 'all' ? [] : scope)))].sort((a, b) => a - b);
}

function scopeFor(user: User, kind: SharingKind): SkillScope {
  const set = user.sharing?.[kind];
  if (set !== undefined) return set;
  return user.role === Role.AGENT ? [] : user.skillIds;
}

/** Whether a scope covers a chat's skill: a chat with no skill is in every scope that is not empty. */
export function inScope(scope: SkillScope, skillId: number | null): boolean {
  if (scope === 'all') return true;
  if (skillId === null) return scope.length > 0;
  return scope.includes(skillId);
}

/** Whether `user` may listen to (or assist in) a chat of this skill. */
export const mayShare = (user: User, kind: SharingKind, skillId: number | null): boolean =>
  user.enabled && !user.deleted && inScope(scopeOf(user, kind), skillId);

/** Whether a scope is empty: the user may share no chat at all. */
export const isEmptyScope = (scope: SkillScope): boolean => scope !== 'all' && scope.length === 0;

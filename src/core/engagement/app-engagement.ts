import type { Account } from '../model.js';
import type { Random, Store } from '../ports.js';
import type { createCapacity } from '../chats/capacity.js';

/** What the App Engagement API offers a visitor (LivePerson's `getEngagement` answer). */
export interface Engagement {
  visitorId: string;
  sessionId: string;
  status: 'Available' | 'NotAvailable';
  /** Absent when the account has no skill to engage on. */
  engagementDetails?: {
    campaignId: number;
    engagementId: number;
    engagementRevision: number;
    contextId: string;
    skillId: number;
    skillName: string;
    language: string;
  };
}

/** Ids the SDK stores and sends back: letters, digits, `-` and `_`, as LivePerson's are. */
const ID_PATTERN = /^[\w-]{1,64}$/;

/**
 * The engagement half of LivePerson's App Engagement API. Parley has no campaigns: each skill is
 * one engagement (its id the skill's), available while an agent holding the skill is online. The
 * visitor is offered the skill a consumer section names (case-insensitive), else the first skill
 * an agent can take now, else the first skill. Visitor and session ids are kept when the caller
 * has them (the SDK stores and resends them) and made up otherwise.
 */
export function createAppEngagement(deps: {
  store: Store;
  random: Random;
  capacity: ReturnType<typeof createCapacity>;
}) {
  const newId = () => Buffer.from(deps.random.bytes(12)).toString('base64url');
  const keep = (id: string | undefined) => (id !== undefined && ID_PATTERN.test(id) ? id : newId());
  return {
    async engage(
      account: Account,
      request: { visitorId?: string | undefined; sessionId?: string | undefined; consumerSections: string[] },
    ): Promise<Engagement> {
      const [skills, availability] = await Promise.all([
        deps.store.skills.list(account.id),
        deps.capacity.skillAvailability(account),
      ]);
      const offered = skills
        .filter((skill) => !skill.deleted)
        .map((skill) => ({
          skill,
          isAvailable: availability.some((entry) => entry.name === skill.name && entry.isAvailable),
        }));
      const wanted = request.consumerSections.map((section) => section.toLowerCase());
      const chosen =
        offered.find((entry) => wanted.includes(entry.skill.name.toLowerCase())) ??
        offered.find((entry) => entry.isAvailable) ??
        offered[0];
      return {
        visitorId: keep(request.visitorId),
        sessionId: keep(request.sessionId),
        status: chosen?.isAvailable === true ? 'Available' : 'NotAvailable',
        ...(chosen === undefined
          ? {}
          : {
              engagementDetails: {
                campaignId: 1,
                engagementId: chosen.skill.id,
                engagementRevision: 1,
                contextId: '1',
                skillId: chosen.skill.id,
                skillName: chosen.skill.name,
                language: 'en-US',
              },
            }),
      };
    },
  };
}

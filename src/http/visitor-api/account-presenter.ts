import type { Account } from '../../core/model.js';
import { link, oneOrMany } from './chat-presenter.js';

type Document = Record<string, unknown>;

/** Row 0: the entry point SDKs resolve every account-level call from, by relation name (§3.0). */
export function presentAccount(account: Account, url: string): Document {
  return {
    account: {
      '@id': account.id,
      link: [
        link(url, 'self'),
        link(`${url}/chat/availability`, 'chat-availability'),
        link(`${url}/chat/availableSlots`, 'chat-available-slots'),
        link(`${url}/chat/estimatedWaitTime`, 'chat-estimatedWaitTime'),
        link(`${url}/chat/request`, 'chat-request'),
        link(`${url}/chat/preSurvey`, 'prechat-survey'),
        link(`${url}/chat/offlineSurvey`, 'chat-offline-survey'),
      ],
    },
  };
}

/** Several skills' availability at once: the SDK's multi-skill form (§3.1). */
export const presentSkillsAvailability = (skillAvailability: { skill: string; isAvailable: boolean }[]): Document => ({
  availability: { AvailabilityForSkills: { skillAvailability } },
});

/** Parley's skills resource: one skill bare, several as a list, none as null. */
export function presentSkills(skills: { name: string; isAvailable: boolean }[]): Document {
  const skill = oneOrMany(skills);
  return { skills: skill === undefined ? null : { skill } };
}

import type { z } from 'zod';
import { seedSchema, type Seed } from './seed-schema.js';
import { parseSurveyForSeed } from '../surveys/surveys.js';

/** A seed that cannot be applied; the message names the bad entry (`accounts[0].users[2].skills[0]`). */
export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text === '' ? String(part) : `${text}.${String(part)}`,
    '',
  );

const describeIssue = (issue: z.core.$ZodIssue): string => {
  const where = pathText(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys')
    return `${where}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where}: ${issue.message}`;
};

/**
 * Parses and checks a seed file's text: JSON syntax, the format, and references between entries
 * (skills named by users, unique login names, skill names and ids, app keys, account ids).
 */
export function parseSeed(text: string, source = 'seed'): Seed {
  let json: unknown;
  try {
    // Some editors begin a UTF-8 file with a byte-order mark; JSON.parse does not accept one.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SeedError(`${source}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = seedSchema.safeParse(json);
  if (!parsed.success) {
    throw new SeedError(`${source}: ${parsed.error.issues.slice(0, 5).map(describeIssue).join('; ')}`);
  }
  checkReferences(parsed.data, source);
  return parsed.data;
}

function checkReferences(seed: Seed, source: string): void {
  const fail = (message: string): never => {
    throw new SeedError(`${source}: ${message}`);
  };
  const firstSeen = <K>(seen: Map<K, string>, key: K, where: string, what: string): void => {
    const earlier = seen.get(key);
    if (earlier !== undefined) fail(`${where}: ${what} repeats ${earlier}`);
    seen.set(key, where);
  };

  const accountIds = new Map<string, string>();
  seed.accounts.forEach((account, a) => {
    const at = `accounts[${a}]`;
    firstSeen(accountIds, account.id, `${at}.id`, `account "${account.id}"`);

    for (const [kind, definition] of Object.entries(account.surveys)) {
      try {
        parseSurveyForSeed(definition, `${at}.surveys.${kind}`);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
    }

    const skillNames = new Map<string, string>();
    const skillIds = new Map<number, string>();
    account.skills.forEach((skill, s) => {
      firstSeen(skillNames, skill.name.toLowerCase(), `${at}.skills[${s}].name`, `skill "${skill.name}"`);
      if (skill.id !== undefined) firstSeen(skillIds, skill.id, `${at}.skills[${s}].id`, `skill id ${skill.id}`);
      for (const [kind, definition] of Object.entries(skill.surveys ?? {})) {
        try {
          parseSurveyForSeed(definition, `${at}.skills[${s}].surveys.${kind}`);
        } catch (error) {
          fail(error instanceof Error ? error.message : String(error));
        }
      }
    });

    const loginNames = new Map<string, string>();
    const userIds = new Map<number, string>();
    const appKeys = new Map<string, string>();
    account.users.forEach((user, u) => {
      const where = `${at}.users[${u}]`;
      firstSeen(loginNames, user.loginName.toLowerCase(), `${where}.loginName`, `loginName "${user.loginName}"`);
      if (user.id !== undefined) firstSeen(userIds, user.id, `${where}.id`, `user id ${user.id}`);
      for (const kind of ['listen', 'assist'] as const) {
        const scope = user[kind];
        if (Array.isArray(scope)) {
          scope.forEach((name, k) => {
            if (!skillNames.has(name.toLowerCase())) fail(`${where}.${kind}[${k}]: unknown skill "${name}"`);
          });
        }
      }
      user.skills.forEach((name, k) => {
        if (!skillNames.has(name.toLowerCase())) fail(`${where}.skills[${k}]: unknown skill "${name}"`);
      });
      user.apiKeys.forEach((key, k) =>
        firstSeen(appKeys, key.appKey, `${where}.apiKeys[${k}].appKey`, `appKey "${key.appKey}"`),
      );
    });
  });
}

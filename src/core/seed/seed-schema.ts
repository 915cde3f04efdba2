import { z } from 'zod';
import { Permission, Role } from '../model.js';
import { ACCOUNT_ID_PATTERN } from '../tokens.js';

const text = z.string().min(1, 'must not be empty');
/** Names are compared and shown trimmed: "Sales " and "Sales" are one skill. */
const name = z.string().trim().min(1, 'must not be empty');
const numericId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const settingsSchema = z.strictObject({
  ringTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
  agentSessionIdleSeconds: z.number().int().min(30).max(86_400).optional(),
  agentConnectionGraceSeconds: z.number().int().min(1).max(3600).optional(),
  agentConnectionEndSeconds: z.number().int().min(1).max(86_400).optional(),
  loginSessionTtlMs: z
    .number()
    .int()
    .min(60_000)
    .max(30 * 86_400_000)
    .optional(),
  // platform §4.7: when enabled the idle cap must be at least 30 minutes.
  refreshGraceMs: z.number().int().min(1_800_000).nullable().optional(),
  maxLoginSessionsPerUser: z.number().int().min(1).max(1000).optional(),
  preChatLineEcho: z.boolean().optional(),
  blockedIps: z.array(text).optional(),
  acceptGlobalAppKey: z.boolean().optional(),
  endedChatRetentionMinutes: z.number().int().min(30).max(10_080).optional(),
  timeZone: text
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone')
    .optional(),
  visitorAuthentication: z
    .strictObject({
      jwtSecret: z.string().min(16, 'must be at least 16 characters'),
      required: z.boolean().default(false),
    })
    .nullable()
    .optional(),
  systemMessages: z.record(z.string().regex(/^\d+$/, 'keys are systemMessageIds'), z.string()).optional(),
});

const apiKeySchema = z.strictObject({
  appKey: text,
  secret: text,
  accessToken: text,
  accessTokenSecret: text,
  name: z.string().optional(),
  permissions: z.array(text).default([Permission.USER_LOGIN]),
});

const userSchema = z.strictObject({
  id: numericId.optional(),
  loginName: name,
  password: text.optional(),
  nickname: z.string().optional(),
  fullName: z.string().optional(),
  email: z.string().optional(),
  skills: z.array(name).default([]),
  maxChats: z.number().int().min(-1).default(3),
  role: z.enum([Role.AGENT, Role.MANAGER, Role.ADMIN]).default(Role.AGENT),
  enabled: z.boolean().default(true),
  apiKeys: z.array(apiKeySchema).default([]),
  // Shared chats (docs/SHARED-CHATS.md): "all" or skill names; left out, the role's default.
  listen: z.union([z.literal('all'), z.array(name)]).optional(),
  assist: z.union([z.literal('all'), z.array(name)]).optional(),
});

const surveySchema = z.record(z.string(), z.unknown());

const accountSchema = z.strictObject({
  id: z.string().regex(ACCOUNT_ID_PATTERN, 'must be 1-20 letters, digits or _'),
  name: z.string().optional(),
  appKeys: z.array(text).default([]),
  skills: z
    .array(
      z.strictObject({
        id: numericId.optional(),
        name,
        // A skill's own surveys take the account's place for its visitors and chats.
        surveys: z
          .strictObject({
            preChat: surveySchema.optional(),
            exit: surveySchema.optional(),
            offline: surveySchema.optional(),
          })
          .optional(),
      }),
    )
    .default([]),
  users: z.array(userSchema).default([]),
  surveys: z
    .strictObject({
      preChat: surveySchema.optional(),
      exit: surveySchema.optional(),
      offline: surveySchema.optional(),
      agent: surveySchema.optional(),
    })
    .default({}),
  settings: settingsSchema.default({}),
});

/** The seed file format (README, "Seed file"): how a deployment declares its accounts. */
export const seedSchema = z.strictObject({ accounts: z.array(accountSchema) });

export type Seed = z.infer<typeof seedSchema>;
export type SeedAccount = Seed['accounts'][number];
export type SeedUser = SeedAccount['users'][number];

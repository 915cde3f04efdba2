import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-accounts-and-logins.js';
import * as m0002 from './0002-chats.js';
import * as m0003 from './0003-agent-routing.js';
import * as m0004 from './0004-visitor-history.js';
import * as m0005 from './0005-oauth-nonces.js';
import * as m0006 from './0006-idempotency-keys.js';
import * as m0007 from './0007-known-login-sources.js';
import * as m0008 from './0008-shared-chats.js';
import * as m0009 from './0009-availability-reasons.js';
import * as m0010 from './0010-connection-presence.js';
import * as m0011 from './0011-nodes.js';
import * as m0012 from './0012-cache-version.js';

/**
 * Migrations are listed here, not discovered on disk, so the same list runs from TypeScript
 * sources (tests) and compiled JavaScript (production). Names sort in apply order.
 */
const migrations: Record<string, Migration> = {
  '0001-accounts-and-logins': m0001,
  '0002-chats': m0002,
  '0003-agent-routing': m0003,
  '0004-visitor-history': m0004,
  '0005-oauth-nonces': m0005,
  '0006-idempotency-keys': m0006,
  '0007-known-login-sources': m0007,
  '0008-shared-chats': m0008,
  '0009-availability-reasons': m0009,
  '0010-connection-presence': m0010,
  '0011-nodes': m0011,
  '0012-cache-version': m0012,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

export { isRecord } from '../../core/guards.js';

/** `@type` or `type` (server-chat §3.11: accept both in JSON; XML gives `@type`). */
export const attribute = (record: Record<string, unknown>, name: string): unknown => record[`@${name}`] ?? record[name];

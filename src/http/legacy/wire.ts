/** A JSON object (not null, not an array): what request bodies are checked against before reading. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `@type` or `type` (server-chat §3.11: accept both in JSON; XML gives `@type`). */
export const attribute = (record: Record<string, unknown>, name: string): unknown => record[`@${name}`] ?? record[name];

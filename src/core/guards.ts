/** A JSON object (not null, not an array): what request bodies are checked against before reading. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

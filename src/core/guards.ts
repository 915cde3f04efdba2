/** A JSON object (not null, not an array): what stored JSON and token claims are checked against before reading. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

import { z } from 'zod';
import { parseLeadingDigits } from '../legacy/lenient-query.js';

/** The longest a long-poll may be held (seconds). */
export const MAX_WAIT_SECONDS = 60;

/** `from` by its leading digits (server-chat §1.3); absent → 0; no leading digit → 400 / 40. */
export const fromQuery = z.object({ from: z.string().optional() }).transform((query, context) => {
  if (query.from === undefined) return 0;
  const from = parseLeadingDigits(query.from);
  if (from !== undefined) return from;
  context.addIssue({ code: 'custom', message: 'from must be a non-negative number', path: ['from'] });
  return z.NEVER;
});

/** `wait=S`: 0 when absent (the spec's behaviour, unchanged); 1–60 seconds; anything else 400 / 40. */
export const waitQuery = z.object({ wait: z.string().optional() }).transform((query, context) => {
  if (query.wait === undefined || query.wait === '') return 0;
  const seconds = /^\d+$/.test(query.wait) ? Number(query.wait) : NaN;
  if (Number.isInteger(seconds) && seconds <= MAX_WAIT_SECONDS) return seconds;
  context.addIssue({ code: 'custom', message: `wait must be 0-${MAX_WAIT_SECONDS} seconds`, path: ['wait'] });
  return z.NEVER;
});

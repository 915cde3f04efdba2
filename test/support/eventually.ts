import assert from 'node:assert/strict';

export interface EventuallyOptions {
  /** How long to keep polling: generous by default, since the machine may be busy. */
  timeoutMs?: number;
  /** Pause between two checks. */
  intervalMs?: number;
}

const GENEROUS_MS = 30_000;

/**
 * Polls `condition` until it holds, instead of sleeping a fixed time: a test waits exactly as long
 * as the machine needs and no longer. Fails after the deadline with a message naming `what` was
 * awaited, so a regression fails instead of hanging. A condition that throws fails at once.
 */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = GENEROUS_MS, intervalMs = 20 }: EventuallyOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

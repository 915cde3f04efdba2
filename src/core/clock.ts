import type { Clock } from './ports.js';

/**
 * Requests closer together than this record their time once: deadlines they move are seconds or
 * minutes away, and each record is a durable write.
 */
export const TOUCH_RESOLUTION_MS = 1_000;

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: tests advance time instead of sleeping. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(epochMs: number): void {
    this.current = epochMs;
  }
}

import assert from 'node:assert/strict';
import type { WireEvent } from './chat-clients.js';

/**
 * What a chat's event list must read (as `summary()` writes it) after a visitor and an agent took
 * turns with lines v1/a1, v2/a2, … and the agent ended it: one accept, no lost or doubled line.
 */
export function conversationSummary(lines: readonly number[]): string[] {
  return [
    'state:waiting',
    'system:4',
    'state:chatting',
    'system:3',
    ...lines.flatMap((k) => [`visitor:v${k}`, `agent:a${k}`]),
    'system:5',
    'state:ended',
  ];
}

/** Event ids as numbers: each list runs 0, 1, 2, … with no gap and no repeat (no ONLY_TO_REP lines). */
export function assertConsecutiveIds(events: WireEvent[], where: string): void {
  const ids = events.map((event) => Number(event['@id']));
  assert.deepEqual(
    ids,
    ids.map((_, index) => index),
    `${where}: event ids ${ids.join(',')}`,
  );
}

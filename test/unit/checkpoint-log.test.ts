import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logCheckpoint, SLOW_CHECKPOINT_MS } from '../../src/checkpoint-log.js';

/** A logger that keeps each line as level, fields and message. */
function recordingLog() {
  const lines: { level: string; fields: object; message: string }[] = [];
  return {
    lines,
    warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields, message }),
    debug: (fields: object, message: string) => void lines.push({ level: 'debug', fields, message }),
  };
}

describe("the server's log of full WAL checkpoints", () => {
  it('warns of a slow one and of one that could not finish, and keeps the others at debug', () => {
    const log = recordingLog();
    logCheckpoint(log, { ms: 12.4, isComplete: true, walBytes: 33_554_432 });
    logCheckpoint(log, { ms: SLOW_CHECKPOINT_MS + 0.2, isComplete: true, walBytes: 40_000_000 });
    logCheckpoint(log, { ms: 5_000.7, isComplete: false, walBytes: 35_000_000 });
    assert.deepEqual(
      log.lines.map(({ level, fields }) => ({ level, fields })),
      [
        { level: 'debug', fields: { checkpointMs: 12, walBytes: 33_554_432 } },
        { level: 'warn', fields: { checkpointMs: SLOW_CHECKPOINT_MS, walBytes: 40_000_000 } },
        { level: 'warn', fields: { checkpointMs: 5_001, walBytes: 35_000_000 } },
      ],
    );
    assert.match(log.lines[1]!.message, /held every statement up/);
    assert.match(log.lines[2]!.message, /could not finish/);
  });
});

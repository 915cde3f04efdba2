import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const GOLDEN_DIR = new URL('../golden/', import.meta.url).pathname;

/**
 * Compares `actual` with test/golden/<name>, key order included (clients read some positionally).
 * Run with UPDATE_GOLDEN=1 to write the files; a missing file fails otherwise, so CI never
 * passes by writing what it got.
 */
export function assertGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual.endsWith('\n') ? actual : `${actual}\n`);
    return;
  }
  assert.ok(existsSync(path), `golden file ${name} is missing: run the test with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual.trimEnd(), readFileSync(path, 'utf8').trimEnd(), `response differs from golden file ${name}`);
}

/** JSON with volatile values replaced by placeholders, pretty-printed, keys in received order. */
export function normalizedJson(value: unknown, replacements: Record<string, string> = {}): string {
  let text = JSON.stringify(value, null, 2);
  for (const [actual, placeholder] of Object.entries(replacements)) text = text.split(actual).join(placeholder);
  return text
    .replace(/"[0-9a-f]{64}"/g, '"<hex64>"')
    .replace(/"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}"/g, '"<iso-time>"')
    .replace(/"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M"/g, '"<login-time>"')
    .replace(/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g, '"<uuid>"')
    .replace(/127\.0\.0\.1:\d+/g, '<host>');
}

#!/usr/bin/env node
// Runs every test/**/*.test.ts file with Node's test runner (TypeScript through tsx).
// Arguments narrow the set: `npm test -- login` runs the files whose path contains "login".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const find = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });

const filters = process.argv.slice(2);
const files = find(join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

// The timeout bounds each test and each file's whole run: the CLI suite starts the real program
// some forty times, which on a busy 2-core machine takes minutes. A hang still fails in 5.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);

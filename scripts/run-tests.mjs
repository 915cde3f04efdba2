#!/usr/bin/env node
// Runs every test/**/*.test.ts file with Node's test runner (TypeScript through tsx).
// Arguments narrow the set: `npm test -- login` runs the files whose path contains "login".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// The timeout bounds each test and each file's whole run, so that a hang fails instead of holding
// the suite. Most files need seconds; five minutes is for a busy 2-core machine. Some files' time
// grows with the load, not with a fault: the CLI suites start `parley` some forty times (each
// start through tsx takes 10 s and more on a loaded machine), the server suites start and stop
// `parley serve` and `npm start`, the browser suites drive Chromium, and a few HTTP suites hold
// hundreds of concurrent requests on both databases. They get fifteen minutes, in a run of their
// own before the others (the runner has one timeout for all the files it is given). The cluster
// suites start three nodes, Redis and HAProxy each, and kill, drain and restart them.
const HEAVY = /^test\/(browser|cli|server|cluster)\/|^test\/http\/(agent-concurrency|realtime-delivery|shared-chats)/;
const groups = [
  { files: files.filter((file) => HEAVY.test(file)), timeoutMs: 900_000 },
  { files: files.filter((file) => !HEAVY.test(file)), timeoutMs: 300_000 },
];

// Each group reports to the terminal as Node would (spec on a terminal, TAP otherwise) and, as
// TAP, to a file: the failures are repeated at the very end, where a log cut to its last lines
// (a CI summary) still shows them.
const reports = mkdtempSync(join(tmpdir(), 'parley-test-report-'));
let status = 0;
const failures = [];
for (const [index, group] of groups.entries()) {
  if (group.files.length === 0) continue;
  const report = join(reports, `group-${index}.tap`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      `--test-timeout=${group.timeoutMs}`,
      `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${report}`,
      ...group.files,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    status = result.status ?? 1;
    failures.push(...failuresIn(report));
  }
}
rmSync(reports, { recursive: true, force: true });
if (failures.length > 0) console.error(`\nFailed:\n${failures.join('\n')}`);
process.exit(status);

/**
 * The failures of a TAP report: each `not ok` line (a test, then the suites and the file around
 * it) with the first lines of its YAML block (where it failed, and the error).
 */
function failuresIn(report) {
  let lines;
  try {
    lines = readFileSync(report, 'utf8').split('\n');
  } catch {
    return [`(no report at ${report})`];
  }
  return lines.flatMap((line, at) => {
    if (!/^\s*not ok /.test(line)) return [];
    const block = [];
    for (const next of lines.slice(at + 1, at + 40)) {
      if (/^\s*\.\.\.$/.test(next)) break;
      if (/^\s*(location|error|failureType|code|expected|actual|operator):/.test(next) || block.length > 0)
        block.push(next);
      if (block.length >= 12) break;
    }
    return [line, ...block];
  });
}

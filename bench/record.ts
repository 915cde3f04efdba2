import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Puts a bench's latest run between `<!-- name:latest -->` and `<!-- /name:latest -->` in
 * BENCHMARKS.md, replacing the run before; the prose around the markers stays as it is (it
 * explains the figures, and has to be read again when they move). Without the markers the block
 * is added at the end, under `heading` when one is given.
 */
export function recordLatest(path: string, name: string, text: string, heading?: string): void {
  const start = `<!-- ${name}:latest -->`;
  const end = `<!-- /${name}:latest -->`;
  const current = readFileSync(path, 'utf8');
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const block = `${start}\n\n${text}\n\n${end}`;
  writeFileSync(
    path,
    from === -1 || to < from
      ? `${current.trimEnd()}\n\n${heading === undefined ? '' : `${heading}\n\n`}${block}\n`
      : `${current.slice(0, from)}${block}${current.slice(to + end.length)}`,
  );
}

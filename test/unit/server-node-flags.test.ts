import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVER_NODE_FLAGS } from '../../bench/parley-server.js';

/**
 * `parley serve` runs with the same Node flags wherever it is started
 * (docs/adr/0014-young-generation.md): each way of starting it names them, and the benches
 * measure the server with them.
 */
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const flags = SERVER_NODE_FLAGS.join(' ');

describe('the Node flags of the server', () => {
  it('are on every command that starts it', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const starts = {
      'npm start': scripts.start ?? '',
      'bin/parley.js': read('bin/parley.js').split('\n')[0] ?? '',
      'deploy/parley.service': /^ExecStart=.*$/m.exec(read('deploy/parley.service'))?.[0] ?? '',
      Dockerfile: (/^CMD \[(.*)\]$/m.exec(read('Dockerfile'))?.[1] ?? '').replace(/"/g, '').split(', ').join(' '),
    };
    for (const [where, command] of Object.entries(starts)) {
      assert.ok(command.includes(`node ${flags}`), `${where}: ${command}`);
      // The shebang's command is whatever follows it on the command line.
      if (where !== 'bin/parley.js') assert.ok(command.endsWith('dist/cli/parley.js serve'), `${where}: ${command}`);
    }
  });
});

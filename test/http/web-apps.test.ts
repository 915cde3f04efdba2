import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const [sqlite] = await databaseTargets();

/** A stand-in for packages/web/dist: what Vite writes, with recognisable contents. */
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'parley-web-'));
  for (const dir of ['workspace', 'chat', 'assets']) mkdirSync(join(root, dir));
  writeFileSync(join(root, 'workspace/index.html'), '<!doctype html><title>workspace page</title>');
  writeFileSync(join(root, 'chat/index.html'), '<!doctype html><title>chat page</title>');
  writeFileSync(join(root, 'chat/embed.js'), '/* embed */');
  writeFileSync(join(root, 'assets/app-Ab12.js'), 'console.log(1)\n//# sourceMappingURL=app-Ab12.js.map');
  writeFileSync(join(root, 'assets/app-Ab12.js.map'), '{"version":3,"sources":["secret-source.ts"]}');
  return root;
}

describe('the web apps are served by Parley', () => {
  let server: TestServer;
  let unbuilt: TestServer;
  const root = fakeBuild();

  before(async () => {
    server = await startTestServer(sqlite!, { http: { webAppsRoot: root } });
    unbuilt = await startTestServer(sqlite!, { http: { webAppsRoot: join(root, 'missing') } });
  });
  after(async () => {
    await server.close();
    await unbuilt.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the workspace page: its HTML, script from self only, never framed, revalidated', async () => {
    for (const path of ['/workspace', '/workspace/']) {
      const response = await send(server.baseUrl, 'GET', path);
      assert.equal(response.status, 200);
      assert.match(response.header('content-type') ?? '', /^text\/html/);
      assert.match(response.text, /workspace page/);
      const policy = response.header('content-security-policy') ?? '';
      assert.match(policy, /script-src 'self'(;|$)/);
      assert.match(policy, /object-src 'none'/);
      assert.match(policy, /frame-ancestors 'none'/);
      assert.equal(response.header('cache-control'), 'no-cache');
      assert.equal(response.header('x-content-type-options'), 'nosniff');
    }
  });

  it('the visitor window may be framed by any site; the embed script is JavaScript', async () => {
    const page = await send(server.baseUrl, 'GET', '/chat?account=1&appKey=2');
    assert.equal(page.status, 200);
    assert.match(page.text, /chat page/);
    assert.match(page.header('content-security-policy') ?? '', /frame-ancestors \*/);
    const embed = await send(server.baseUrl, 'GET', '/chat/embed.js');
    assert.equal(embed.status, 200);
    assert.match(embed.header('content-type') ?? '', /^(text|application)\/javascript/);
    assert.equal(embed.text, '/* embed */');
  });

  it('hashed assets are cached for good; unknown assets are 404, paths out of the assets refused', async () => {
    const asset = await send(server.baseUrl, 'GET', '/assets/app-Ab12.js');
    assert.equal(asset.status, 200);
    assert.match(asset.header('cache-control') ?? '', /immutable/);
    assert.equal((await send(server.baseUrl, 'GET', '/assets/nope.js')).status, 404);
    for (const path of ['/assets/../workspace/index.html', '/assets/%2e%2e/chat/index.html']) {
      const escape = await send(server.baseUrl, 'GET', path);
      assert.ok([403, 404].includes(escape.status), `${path}: ${escape.status}`);
      assert.doesNotMatch(escape.text, /page/);
    }
  });

  it('never serves a source map, even one the build left beside the assets', async () => {
    for (const path of ['/assets/app-Ab12.js.map', '/assets/app-Ab12.js.MAP']) {
      const response = await send(server.baseUrl, 'GET', path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.text, /secret-source/);
    }
  });

  it('tells browsers not to sniff types: pages, the embed script, assets, API answers and errors', async () => {
    for (const path of [
      '/workspace',
      '/chat',
      '/chat/embed.js',
      '/assets/app-Ab12.js',
      '/assets/nope.js',
      '/health',
      '/api/account/12345678/nothing.json',
    ]) {
      const response = await send(server.baseUrl, 'GET', path);
      assert.equal(response.header('x-content-type-options'), 'nosniff', path);
      // Plain HTTP: a Strict-Transport-Security header would mean nothing (and is not sent).
      assert.equal(response.header('strict-transport-security'), undefined, path);
    }
  });

  it('the root leads to the workspace; the legacy APIs are untouched', async () => {
    const root = await send(server.baseUrl, 'GET', '/');
    assert.equal(root.status, 302);
    assert.equal(root.header('location'), '/workspace');
    const legacy = await send(server.baseUrl, 'GET', '/api/account/12345678/nothing.json');
    assert.equal(legacy.status, 404);
    assert.equal((legacy.json() as { error: { internalCode: number } }).error.internalCode, 42);
  });

  it('without a build the pages say how to build them (503), not a blank 404', async () => {
    for (const path of ['/workspace', '/chat']) {
      const response = await send(unbuilt.baseUrl, 'GET', path);
      assert.equal(response.status, 503);
      assert.match(response.text, /npm run build/);
    }
  });
});

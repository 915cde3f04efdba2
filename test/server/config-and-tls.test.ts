import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { send } from '../support/http-client.js';

const fixtures = new URL('../fixtures/tls/', import.meta.url).pathname;

describe('configuration from the environment', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.database, { kind: 'sqlite', path: './data/parley.db' });
    assert.equal(config.seedPath, undefined);
    assert.equal(config.tls, undefined);
    assert.equal(config.httpPort, undefined);
    assert.equal(config.publicHost, undefined);
    assert.deepEqual(config.allowedHosts, []);
    assert.deepEqual(config.postgresTimeouts, { connectMs: 3_000, statementMs: 5_000, queryMs: 6_000 });
    assert.equal(config.drainTimeoutMs, 10_000);
    assert.equal(config.requestTimeoutMs, 30_000);
  });

  it('reads the drain deadline and the request timeout in milliseconds', () => {
    const config = loadConfig({ PARLEY_DRAIN_TIMEOUT_MS: '2500', PARLEY_REQUEST_TIMEOUT_MS: '5000' });
    assert.equal(config.drainTimeoutMs, 2_500);
    assert.equal(config.requestTimeoutMs, 5_000);
  });

  it('reads whose X-Forwarded-For to believe: nobody, a number of proxies, or proxy addresses', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ PARLEY_TRUST_PROXY: 'false' }).trustProxy, false);
    // `true`, from when it was a switch, is one proxy in front: never every hop a client can forge.
    assert.equal(loadConfig({ PARLEY_TRUST_PROXY: 'true' }).trustProxy, 1);
    assert.equal(loadConfig({ PARLEY_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ PARLEY_TRUST_PROXY: ' 10.0.0.0/8, 192.0.2.7 ,fd00::/8,loopback' }).trustProxy, [
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('reads the hosts links may name from PARLEY_ALLOWED_HOSTS', () => {
    const config = loadConfig({ PARLEY_ALLOWED_HOSTS: ' chat.example.org, desk.example.org:8443 ,[fd00::5]' });
    assert.deepEqual(config.allowedHosts, ['chat.example.org', 'desk.example.org:8443', '[fd00::5]']);
  });

  it('reads the PostgreSQL deadlines', () => {
    const config = loadConfig({
      PARLEY_PG_CONNECT_TIMEOUT_MS: '1500',
      PARLEY_PG_STATEMENT_TIMEOUT_MS: '2000',
      PARLEY_PG_QUERY_TIMEOUT_MS: '2500',
    });
    assert.deepEqual(config.postgresTimeouts, { connectMs: 1_500, statementMs: 2_000, queryMs: 2_500 });
    // The client's deadline follows a longer statement timeout unless it is set too.
    assert.equal(loadConfig({ PARLEY_PG_STATEMENT_TIMEOUT_MS: '20000' }).postgresTimeouts.queryMs, 21_000);
  });

  it('reads the PostgreSQL pool size', () => {
    assert.equal(loadConfig({}).postgresPoolSize, 20);
    assert.equal(loadConfig({ PARLEY_PG_POOL_SIZE: '40' }).postgresPoolSize, 40);
  });

  it('reads PostgreSQL URLs, a public host and TLS files', () => {
    const config = loadConfig({
      PARLEY_DATABASE_URL: 'postgres://parley@db.internal:5432/parley',
      PARLEY_PUBLIC_HOST: 'chat.example.org:8443',
      PARLEY_TLS_CERT: join(fixtures, 'cert.pem'),
      PARLEY_TLS_KEY: join(fixtures, 'key.pem'),
    });
    assert.equal(config.database.kind, 'postgres');
    assert.equal(config.publicHost, 'chat.example.org:8443');
    assert.ok(config.tls?.cert.toString().includes('BEGIN CERTIFICATE'));
  });

  it('reads a plain-HTTP port to serve beside HTTPS', () => {
    const tls = { PARLEY_TLS_CERT: join(fixtures, 'cert.pem'), PARLEY_TLS_KEY: join(fixtures, 'key.pem') };
    assert.equal(loadConfig({ ...tls, PORT: '8443', PARLEY_HTTP_PORT: '8080' }).httpPort, 8080);
    assert.equal(loadConfig({ ...tls, PORT: '0', PARLEY_HTTP_PORT: '0' }).httpPort, 0);
  });

  const withTls = { PARLEY_TLS_CERT: join(fixtures, 'cert.pem'), PARLEY_TLS_KEY: join(fixtures, 'key.pem') };
  const refusals: [string, Record<string, string>][] = [
    ['PARLEY_HTTP_PORT', { PARLEY_HTTP_PORT: '8081' }],
    ['PARLEY_HTTP_PORT', { ...withTls, PARLEY_HTTP_PORT: 'http' }],
    ['PARLEY_HTTP_PORT', { ...withTls, PARLEY_HTTP_PORT: '65536' }],
    ['PARLEY_HTTP_PORT', { ...withTls, PORT: '8443', PARLEY_HTTP_PORT: '8443' }],
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['PARLEY_DATABASE_URL', { PARLEY_DATABASE_URL: 'mysql://localhost/parley' }],
    ['PARLEY_DATABASE_URL', { PARLEY_DATABASE_URL: 'sqlite:' }],
    ['PARLEY_PUBLIC_HOST', { PARLEY_PUBLIC_HOST: 'https://chat.example.org/' }],
    ['PARLEY_ALLOWED_HOSTS', { PARLEY_ALLOWED_HOSTS: 'chat.example.org,https://evil.example/' }],
    ['PARLEY_TLS_KEY', { PARLEY_TLS_CERT: join(fixtures, 'cert.pem') }],
    ['PARLEY_TLS_CERT', { PARLEY_TLS_CERT: '/nonexistent/cert.pem', PARLEY_TLS_KEY: join(fixtures, 'key.pem') }],
    ['PARLEY_TLS_KEY', { PARLEY_TLS_CERT: join(fixtures, 'cert.pem'), PARLEY_TLS_KEY: join(fixtures, 'cert.pem') }],
    ['PARLEY_SECRET_KEY', { PARLEY_SECRET_KEY: 'too-short' }],
    ['PARLEY_LOG_LEVEL', { PARLEY_LOG_LEVEL: 'loud' }],
    ['PARLEY_CORS_ORIGINS', { PARLEY_CORS_ORIGINS: 'desk.example.com' }],
    ['PARLEY_RATE_LIMIT_ACCOUNT', { PARLEY_RATE_LIMIT_ACCOUNT: 'lots' }],
    ['PARLEY_RATE_LIMIT_CREDENTIAL', { PARLEY_RATE_LIMIT_CREDENTIAL: '0/5' }],
    ['PARLEY_PG_CONNECT_TIMEOUT_MS', { PARLEY_PG_CONNECT_TIMEOUT_MS: '0' }],
    ['PARLEY_PG_STATEMENT_TIMEOUT_MS', { PARLEY_PG_STATEMENT_TIMEOUT_MS: '5s' }],
    ['PARLEY_PG_QUERY_TIMEOUT_MS', { PARLEY_PG_STATEMENT_TIMEOUT_MS: '9000', PARLEY_PG_QUERY_TIMEOUT_MS: '8000' }],
    ['PARLEY_PG_POOL_SIZE', { PARLEY_PG_POOL_SIZE: '0' }],
    ['PARLEY_PG_POOL_SIZE', { PARLEY_PG_POOL_SIZE: 'many' }],
    ['PARLEY_DRAIN_TIMEOUT_MS', { PARLEY_DRAIN_TIMEOUT_MS: '10s' }],
    ['PARLEY_DRAIN_TIMEOUT_MS', { PARLEY_DRAIN_TIMEOUT_MS: '0' }],
    ['PARLEY_REQUEST_TIMEOUT_MS', { PARLEY_REQUEST_TIMEOUT_MS: '-1' }],
    ['PARLEY_TRUST_PROXY', { PARLEY_TRUST_PROXY: 'yes' }],
    ['PARLEY_TRUST_PROXY', { PARLEY_TRUST_PROXY: '0' }],
    ['PARLEY_TRUST_PROXY', { PARLEY_TRUST_PROXY: '10.0.0.0/33' }],
    ['PARLEY_TRUST_PROXY', { PARLEY_TRUST_PROXY: '10.0.0.1,proxy.example.com' }],
    ['PARLEY_TRUST_PROXY', { PARLEY_TRUST_PROXY: ',' }],
  ];
  for (const [variable, env] of refusals) {
    it(`refuses ${JSON.stringify(env)} with a message naming ${variable}`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${variable}: `),
      );
    });
  }
});

describe('HTTPS with PARLEY_TLS_CERT and PARLEY_TLS_KEY', () => {
  let dir: string;
  let server: RunningServer;
  const ca = readFileSync(join(fixtures, 'cert.pem'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
    const seed = join(dir, 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify({ accounts: [{ id: '777', users: [{ loginName: 'tess', password: 'tess-pass' }] }] }),
    );
    const config = loadConfig({
      PORT: '0',
      PARLEY_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
      PARLEY_SEED: seed,
      PARLEY_TLS_CERT: join(fixtures, 'cert.pem'),
      PARLEY_TLS_KEY: join(fixtures, 'key.pem'),
      PARLEY_LOG_LEVEL: 'silent',
    });
    server = await startServer(config, () => undefined);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS, with a Secure session cookie and https links', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await send(server.url, 'GET', '/health', { ca });
    assert.equal(health.status, 200);
    const login = await send(server.url, 'POST', '/api/account/777/login?v=1.3', {
      ca,
      body: { username: 'tess', password: 'tess-pass' },
    });
    assert.equal(login.status, 200, login.text);
    assert.match(login.header('set-cookie') ?? '', /^session_id=[\w-]+; Path=\/; HttpOnly; Secure; SameSite=None$/);
  });

  it('has no plain-HTTP listener unless PARLEY_HTTP_PORT is set', () => {
    assert.equal(server.httpUrl, undefined);
  });

  it('asks browsers to stay on HTTPS on every answer, errors included', async () => {
    for (const path of ['/health', '/api/account/777/nothing.json', '/api/account/999/service/agentVep/baseURI.json']) {
      const response = await send(server.url, 'GET', path, { ca });
      assert.equal(response.header('strict-transport-security'), 'max-age=31536000', path);
      assert.equal(response.header('x-content-type-options'), 'nosniff', path);
    }
  });
});

describe('a plain-HTTP listener beside HTTPS with PARLEY_HTTP_PORT', () => {
  let dir: string;
  let server: RunningServer;
  let plainUrl: string;
  let httpsAuthority: string;
  const ca = readFileSync(join(fixtures, 'cert.pem'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-plain-'));
    const seed = join(dir, 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify({ accounts: [{ id: '778', users: [{ loginName: 'tess', password: 'tess-pass' }] }] }),
    );
    const config = loadConfig({
      PORT: '0',
      PARLEY_HTTP_PORT: '0',
      PARLEY_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
      PARLEY_SEED: seed,
      PARLEY_TLS_CERT: join(fixtures, 'cert.pem'),
      PARLEY_TLS_KEY: join(fixtures, 'key.pem'),
      PARLEY_LOG_LEVEL: 'silent',
    });
    server = await startServer(config, () => undefined);
    assert.ok(server.httpUrl !== undefined);
    plainUrl = server.httpUrl;
    httpsAuthority = new URL(server.url).host;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on its own port, in plain HTTP', () => {
    assert.match(plainUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(plainUrl).port, new URL(server.url).port);
  });

  it('serves the Domain API, advertising the HTTPS port rather than its own', async () => {
    const one = await send(plainUrl, 'GET', '/api/account/778/service/agentVep/baseURI.json?version=1.0');
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.json(), { service: 'agentVep', account: '778', baseURI: httpsAuthority });
    assert.equal(one.header('strict-transport-security'), undefined);

    for (const path of [
      '/api/account/778/service/baseURI.json?version=1.0',
      '/csdr/account/778/service/baseURI.json',
    ]) {
      const all = await send(plainUrl, 'GET', path);
      assert.equal(all.status, 200, `${path}: ${all.text}`);
      const { baseURIs } = all.json() as { baseURIs: { service: string; baseURI: string }[] };
      assert.ok(
        baseURIs.some((entry) => entry.service === 'agentVep'),
        path,
      );
      for (const entry of baseURIs) assert.equal(entry.baseURI, httpsAuthority, `${path}: ${entry.service}`);
    }

    // The Host a client named, with the HTTPS port; its errors are the Domain API's.
    const named = await send(plainUrl, 'GET', '/api/account/778/service/agentVep/baseURI.json', {
      headers: { Host: `localhost:${new URL(plainUrl).port}` },
    });
    assert.equal((named.json() as { baseURI: string }).baseURI, `localhost:${new URL(server.url).port}`);
    const unknown = await send(plainUrl, 'GET', '/api/account/999/service/agentVep/baseURI.json');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json() as { error: { internalCode: number } }).error.internalCode, 6);
  });

  it('redirects everything else to the same URL over HTTPS, keeping the method', async () => {
    const health = await send(plainUrl, 'GET', '/health');
    assert.equal(health.status, 301);
    assert.equal(health.header('location'), `https://${httpsAuthority}/health`);
    assert.equal((await send(health.header('location') ?? '', 'GET', '/health', { ca })).status, 200);

    // The URL exactly as sent, format suffix and query included; a POST is sent on with its body (308).
    const login = await send(plainUrl, 'POST', '/api/account/778/login.json?v=1.3', {
      body: { username: 'tess', password: 'tess-pass' },
    });
    assert.equal(login.status, 308);
    assert.equal(login.header('location'), `https://${httpsAuthority}/api/account/778/login.json?v=1.3`);
    assert.equal(login.header('set-cookie'), undefined);

    for (const path of ['/workspace', '/api/account/778/chat/request.json', '/csdr/nothing']) {
      const response = await send(plainUrl, 'GET', path);
      assert.equal(response.status, 301, path);
      assert.equal(response.header('location'), `https://${httpsAuthority}${path}`);
    }
  });

  it('never redirects to a host it does not know (a forged Host gets the listen address)', async () => {
    const response = await send(plainUrl, 'GET', '/health', { headers: { Host: 'evil.example:80' } });
    assert.equal(response.status, 301);
    assert.equal(response.header('location'), `https://${httpsAuthority}/health`);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hostname } from 'node:os';
import { isAllowedHost, listenAuthority } from '../../src/http/public-origin.js';
import { agentClient } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

const origin = {
  publicHost: undefined,
  fallbackAuthority: '10.0.0.7:8080',
  isTls: false,
  allowedHosts: ['chat.example.org', 'desk.example.org:8443', '[fd00::5]'],
};

describe('which Host headers may be reflected', () => {
  it('accepts loopback names and addresses on any port', () => {
    for (const host of ['localhost', 'localhost:3000', 'app.localhost:1', '127.0.0.1:9', '127.1.2.3', '[::1]:8080']) {
      assert.equal(isAllowedHost(host, origin), true, host);
    }
  });

  it('accepts the listen address, and allowed hosts on any port or on the port they name', () => {
    for (const host of [
      '10.0.0.7:8080',
      '10.0.0.7',
      'CHAT.example.org',
      'chat.example.org:443',
      'desk.example.org:8443',
    ]) {
      assert.equal(isAllowedHost(host, origin), true, host);
    }
    assert.equal(isAllowedHost('[fd00::5]:8080', origin), true);
  });

  it('refuses every other host, a look-alike or another port of a port-bound entry', () => {
    for (const host of [
      'evil.example',
      'chat.example.org.evil.example',
      'evilchat.example.org',
      'desk.example.org',
      'desk.example.org:8444',
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      '[fd00::6]',
      'chat.example.org/path',
      '',
    ]) {
      assert.equal(isAllowedHost(host, origin), false, host);
    }
  });

  it('links to the listen address, or to the machine by name when it listens on every address', () => {
    assert.equal(listenAuthority('127.0.0.1', 8080), '127.0.0.1:8080');
    assert.equal(listenAuthority('::1', 8080), '[::1]:8080');
    assert.equal(listenAuthority('0.0.0.0', 8080), `${hostname()}:8080`);
    assert.equal(listenAuthority('::', 8443), `${hostname()}:8443`);
  });

  it('never treats a wildcard listen address as a name clients use', () => {
    assert.equal(isAllowedHost('0.0.0.0:8080', { ...origin, fallbackAuthority: '0.0.0.0:8080' }), false);
    assert.equal(isAllowedHost('[::]:8080', { ...origin, fallbackAuthority: '[::]:8080' }), false);
  });
});

for (const target of await databaseTargets()) {
  describe(`a forged Host reaches no Location or link on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();
    const appKey = seed.accounts[0]!.appKeys[0]!;

    before(async () => {
      server = await startTestServer(target, { http: { allowedHosts: ['chat.example.org:8443'] } });
      await applySeed(server.core, seed);
    });
    after(async () => server.close());

    const startChat = (host: string) =>
      send(server.baseUrl, 'POST', `/api/account/${accountId}/chat/request.json?v=1&NC=true&appKey=${appKey}`, {
        body: { request: { skill: 'Sales' } },
        headers: { Host: host },
      });

    it("Start Chat's Location names the fallback for a forged Host, the Host itself when allowed", async () => {
      const forged = await startChat('evil.example');
      assert.equal(forged.status, 201, forged.text);
      assert.match(forged.header('location') ?? '', /^http:\/\/127\.0\.0\.1:8080\/api\/account\//);
      const allowed = await startChat('chat.example.org:8443');
      assert.match(allowed.header('location') ?? '', /^http:\/\/chat\.example\.org:8443\/api\/account\//);
    });

    it('the account root and the agent session resource link only to allowed hosts', async () => {
      const root = await send(server.baseUrl, 'GET', `/api/account/${accountId}.json?v=1&NC=true&appKey=${appKey}`, {
        headers: { Host: 'evil.example:80' },
      });
      assert.equal(root.status, 200, root.text);
      assert.doesNotMatch(root.text, /evil\.example/);
      assert.match(root.text, /http:\/\/127\.0\.0\.1:8080\/api\/account\//);

      const { login } = await agentClient(server.baseUrl, accountId).signIn('alice', 'alice-pass');
      const created = await send(server.baseUrl, 'POST', `/api/account/${accountId}/agentSession.json?v=1&NC=true`, {
        headers: { Authorization: `Bearer ${login.bearer}`, Host: 'evil.example' },
        body: { loginData: '' },
      });
      assert.equal(created.status, 201, created.text);
      assert.doesNotMatch(created.text, /evil\.example/);
      assert.doesNotMatch(created.header('location') ?? '', /evil\.example/);
      const href = /"@href":"([^"]+)"/.exec(created.text)?.[1] ?? '';
      assert.match(href, /^http:\/\/127\.0\.0\.1:8080\/api\/account\/\d+\/agentSession\/\d+$/);

      const sessionPath = new URL(href).pathname;
      const resource = await send(server.baseUrl, 'GET', `${sessionPath}.json?v=1&NC=true`, {
        headers: { Authorization: `Bearer ${login.bearer}`, Host: 'evil.example' },
      });
      assert.equal(resource.status, 200, resource.text);
      assert.doesNotMatch(resource.text, /evil\.example/);
      const honest = await send(server.baseUrl, 'GET', `${sessionPath}.json?v=1&NC=true`, {
        headers: { Authorization: `Bearer ${login.bearer}`, Host: 'localhost:4321' },
      });
      assert.match(honest.text, /http:\/\/localhost:4321\/api\/account\//);
    });
  });
}

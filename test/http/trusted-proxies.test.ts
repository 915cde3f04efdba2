import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';
import { requestLogOptions } from '../../src/http/request-log.js';
import type { TrustProxy } from '../../src/http/trust-proxy.js';

// Which address a request is counted against is the transport's, the same over either store.
const [sqlite] = await databaseTargets();

describe('the client address behind proxies', () => {
  const servers: TestServer[] = [];
  const written: string[] = [];
  const { accountId, seed } = accountSeed();

  /** A server trusting `trustProxy`, whose login throttle refuses a third failure per user and address. */
  const serverTrusting = async (trustProxy: TrustProxy) => {
    const server = await startTestServer(sqlite!, {
      http: { trustProxy },
      loginBudgets: { userAtAddress: { burst: 2, perSecond: 1 / 30 } },
      logger: { ...requestLogOptions('warn'), stream: { write: (line: string) => void written.push(line) } },
    });
    servers.push(server);
    await applySeed(server.core, seed);
    return server;
  };
  const failedLogin = (server: TestServer, forwardedFor: string) =>
    send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, {
      body: { username: 'alice', password: 'wrong' },
      headers: { 'X-Forwarded-For': forwardedFor },
    });

  let oneHop: TestServer;
  let listed: TestServer;
  let untrusted: TestServer;
  let untrusting: TestServer;
  before(async () => {
    oneHop = await serverTrusting(1);
    // The test's requests come from 127.0.0.1: a listed proxy, and one that is not.
    listed = await serverTrusting(['10.0.0.0/8', '127.0.0.1']);
    untrusted = await serverTrusting(['10.0.0.0/8', '::1']);
    untrusting = await serverTrusting(false);
  });
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('takes the address the one trusted proxy saw, not what the client put before it', async () => {
    for (let i = 0; i < 2; i += 1) assert.equal((await failedLogin(oneHop, `192.0.2.${i}, 203.0.113.5`)).status, 401);
    assert.equal((await failedLogin(oneHop, '192.0.2.77, 203.0.113.5')).status, 429);
    // Another address the proxy saw has its own budget.
    assert.equal((await failedLogin(oneHop, '192.0.2.0, 203.0.113.6')).status, 401);
  });

  it('believes X-Forwarded-For from a listed proxy, up to the first address that is not one', async () => {
    for (let i = 0; i < 2; i += 1) assert.equal((await failedLogin(listed, `192.0.2.${i}, 203.0.113.5`)).status, 401);
    assert.equal((await failedLogin(listed, '192.0.2.77, 10.1.2.3, 203.0.113.5, 10.4.5.6')).status, 429);
    assert.equal((await failedLogin(listed, '203.0.113.6')).status, 401);
  });

  it('lets no peer outside the list choose its address', async () => {
    for (let i = 0; i < 2; i += 1) assert.equal((await failedLogin(untrusted, `203.0.113.${i}`)).status, 401);
    assert.equal((await failedLogin(untrusted, '203.0.113.99')).status, 429);
  });

  it('warns once that X-Forwarded-For arrives while no proxy is trusted', async () => {
    const warnings = () => written.filter((line) => line.includes('PARLEY_TRUST_PROXY is off')).length;
    assert.equal(warnings(), 0);
    for (let i = 0; i < 3; i += 1)
      assert.equal((await failedLogin(untrusting, `203.0.113.${i}`)).status, i < 2 ? 401 : 429);
    assert.equal(warnings(), 1);
  });
});

import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import OAuth from 'oauth-1.0a';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, withRestarts, type TestServer } from '../support/test-server.js';

/**
 * OAuth 1.0 nonces live in the database (platform §5.3.4): a signed request replayed within the
 * timestamp window is refused by a restarted server too — and by any server on the same database.
 */

const { accountId, key, seed } = accountSeed();
const PUBLIC_HOST = 'parley.test';
const http = { publicHost: PUBLIC_HOST };
const sessionPath = `/api/account/${accountId}/agentSession.json?v=1&NC=true`;

const oauth = new OAuth({
  consumer: { key: key.appKey, secret: key.secret },
  signature_method: 'HMAC-SHA1',
  hash_function: (base, signingKey) => createHmac('sha1', signingKey).update(base).digest('base64'),
});

/** The headers of a POST agentSession signed by an independent OAuth 1.0 library. */
function signedHeaders(server: TestServer, nonce: string): Record<string, string> {
  const unsigned: OAuth.Data = {
    oauth_consumer_key: key.appKey,
    oauth_token: key.accessToken,
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: Math.floor(server.clock.now() / 1000),
    oauth_nonce: nonce,
    oauth_version: '1.0',
  };
  // Signed for the advertised host, which every server on the database shares whatever its port.
  const signature = oauth.getSignature(
    { url: `http://${PUBLIC_HOST}${sessionPath}`, method: 'POST' },
    key.accessTokenSecret,
    unsigned,
  );
  return { ...oauth.toHeader({ ...unsigned, oauth_signature: signature }), accept: 'application/json' };
}

const post = (server: TestServer, headers: Record<string, string>) =>
  send(server.baseUrl, 'POST', sessionPath, { headers, body: {} });

const assertNonceUsed = (response: HttpResponse) => {
  assert.equal(response.status, 401, response.text);
  assert.equal(response.header('content-type'), 'application/x-www-form-urlencoded');
  assert.match(response.text, /^oauth_problem=nonce_used&/);
};

for (const target of await databaseTargets()) {
  describe(`OAuth 1.0 nonces across a restart on ${target.name}`, { skip: target.unavailable }, () => {
    it('refuses a signed request replayed at a restarted server within the window', async () => {
      await withRestarts(target, async (start) => {
        const first = await start({ http });
        await applySeed(first.core, seed);
        const headers = signedHeaders(first, randomUUID());
        assert.equal((await post(first, headers)).status, 201);
        assertNonceUsed(await post(first, headers));
        await first.close();

        // Ten seconds later, well within the ±300 s window: the replay is still refused.
        const second = await start({ http, startTime: first.clock.now() + 10_000 });
        assertNonceUsed(await post(second, headers));
        // A fresh nonce with the same key passes: it is the nonce that is refused, not the key.
        assert.equal((await post(second, signedHeaders(second, randomUUID()))).status, 201);
      });
    });

    it('accepts a nonce again once its window has passed', async () => {
      const server = await startTestServer(target, { http });
      try {
        await applySeed(server.core, seed);
        const nonce = randomUUID();
        assert.equal((await post(server, signedHeaders(server, nonce))).status, 201);
        server.clock.advance(11 * 60_000);
        assert.equal((await post(server, signedHeaders(server, nonce))).status, 201);
      } finally {
        await server.close();
      }
    });
  });
}

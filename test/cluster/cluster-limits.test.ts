import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import OAuth from 'oauth-1.0a';
import { agentClient } from '../support/chat-clients.js';
import { clusterProblem, startCluster, type Cluster, type ClusterNode } from '../support/cluster.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed } from '../support/test-server.js';

// Limits a client must not escape by reaching another node: the request budget of a credential
// is one budget in Redis, not one per node (platform §6.3), and an OAuth 1.0 nonce used on one
// node is used on all of them (platform §5.3.4; nonces live in the database, docs/adr/0009).

/** A small budget that does not refill while the test runs: burst 12, one request per ~17 minutes. */
const BURST = 12;
const { accountId, key, seed } = accountSeed();
const sessionPath = `/api/account/${accountId}/agentSession.json?v=1&NC=true`;

const oauth = new OAuth({
  consumer: { key: key.appKey, secret: key.secret },
  signature_method: 'HMAC-SHA1',
  hash_function: (base, signingKey) => createHmac('sha1', signingKey).update(base).digest('base64'),
});

const problem = clusterProblem();

describe('limits shared by three Parley nodes', { skip: problem }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster({ seed, env: { PARLEY_RATE_LIMIT_CREDENTIAL: `${BURST}/0.001` } });
  });
  after(() => cluster?.stop());

  it("spends one credential's budget whichever node its requests reach", async () => {
    const [first, second] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    // The session is started through the first node; its bearer is the credential spent below.
    const { session } = await agentClient(first.url, accountId).signIn('alice', 'alice-pass');
    const answered: { node: string; status: number; retryAfter: string | undefined }[] = [];
    // Alternately on two nodes, until both refuse: separate budgets would allow about twice BURST.
    for (let index = 0; answered.filter((answer) => answer.status === 429).length < 4; index += 1) {
      assert.ok(index < 4 * BURST, `still answering after ${index} requests: ${JSON.stringify(answered)}`);
      const node = index % 2 === 0 ? first : second;
      const response = await send(node.url, 'GET', `${session.path}/availability.json?v=1&NC=true`, {
        headers: { accept: 'application/json', authorization: `Bearer ${session.bearer}` },
      });
      assert.ok([200, 429].includes(response.status), `${response.status} ${response.text}`);
      answered.push({ node: node.name, status: response.status, retryAfter: response.header('retry-after') });
    }
    const served = answered.filter((answer) => answer.status === 200);
    // Starting the session spent one request of the bearer's budget at most.
    assert.ok(
      served.length <= BURST && served.length >= BURST - 1,
      `${served.length} requests served on a budget of ${BURST}: ${JSON.stringify(answered)}`,
    );
    assert.ok(
      served.some((answer) => answer.node === first.name) && served.some((answer) => answer.node === second.name),
    );
    const refused = answered.filter((answer) => answer.status === 429);
    assert.ok(
      refused.some((answer) => answer.node === first.name) && refused.some((answer) => answer.node === second.name),
    );
    for (const answer of refused) assert.match(answer.retryAfter ?? '', /^\d+$/, 'a 429 says when to come back');
    // Once refused, it stays refused on every node (nothing refills in the meantime).
    for (const node of cluster.nodes) {
      const response = await send(node.url, 'GET', `${session.path}/availability.json?v=1&NC=true`, {
        headers: { accept: 'application/json', authorization: `Bearer ${session.bearer}` },
      });
      assert.equal(response.status, 429, `${node.name}: ${response.text}`);
    }
  });

  it('refuses an OAuth 1.0 signed request replayed with the same nonce on another node', async () => {
    const [first, second, third] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    /** The headers of a POST agentSession signed for the address every node advertises (HAProxy's). */
    const signed = (nonce: string): Record<string, string> => {
      const unsigned: OAuth.Data = {
        oauth_consumer_key: key.appKey,
        oauth_token: key.accessToken,
        oauth_signature_method: 'HMAC-SHA1',
        oauth_timestamp: Math.floor(Date.now() / 1000),
        oauth_nonce: nonce,
        oauth_version: '1.0',
      };
      const signature = oauth.getSignature(
        { url: `http://${cluster.publicHost}${sessionPath}`, method: 'POST' },
        key.accessTokenSecret,
        unsigned,
      );
      return { ...oauth.toHeader({ ...unsigned, oauth_signature: signature }), accept: 'application/json' };
    };
    // Sent straight to a node with the Host a client behind HAProxy sends.
    const post = (node: ClusterNode, headers: Record<string, string>) =>
      send(node.url, 'POST', sessionPath, { headers: { ...headers, host: cluster.publicHost }, body: {} });
    const assertNonceUsed = (response: HttpResponse, where: string) => {
      assert.equal(response.status, 401, `${where}: ${response.text}`);
      assert.match(response.text, /^oauth_problem=nonce_used&/, where);
    };

    const headers = signed(randomUUID());
    const accepted = await post(first, headers);
    assert.equal(accepted.status, 201, accepted.text);
    assertNonceUsed(await post(second, headers), `replayed on ${second.name}`);
    assertNonceUsed(await post(third, headers), `replayed on ${third.name}`);
    // A fresh nonce with the same key passes on the other node: the nonce is refused, not the key.
    const fresh = await post(second, signed(randomUUID()));
    assert.equal(fresh.status, 201, fresh.text);
  });
});

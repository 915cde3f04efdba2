import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import OAuth from 'oauth-1.0a';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/core/create-core.js';
import { authenticateAgentCaller, UNKNOWN_AUTHORIZATION_MESSAGE } from '../../src/http/auth/agent-auth.js';
import { sendLegacy } from '../../src/http/legacy/respond.js';
import { registerResource } from '../../src/http/legacy/resource.js';
import { mountLegacyApi, type EdgeRules } from '../../src/http/legacy/mount-api.js';
import { CHAT_AGENT_API } from '../../src/http/agent-api/plugin.js';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;

interface Envelope {
  error: { time: string; message: string; internalCode: number; responseStatus: string };
}

/** A probe resource of the Chat Agent API that authenticates like every route of it. */
async function probeRoutes(app: FastifyInstance, core: Core, edge: EdgeRules): Promise<void> {
  const origin = { publicHost: undefined, fallbackAuthority: '127.0.0.1:8080', isTls: false };
  const handler = async (
    request: Parameters<typeof authenticateAgentCaller>[0],
    reply: Parameters<typeof sendLegacy>[0],
  ) => {
    const caller = await authenticateAgentCaller(request, core, origin);
    const who = caller.kind === 'bearer' ? caller.user.loginName : caller.apiKey.appKey;
    return sendLegacy(reply, 200, { probe: { '@kind': caller.kind, who, method: request.method } });
  };
  await mountLegacyApi(app, CHAT_AGENT_API, edge, [
    {
      prefix: '/api/account/:accountId/agentSession/probe',
      routes: (scope) => registerResource(scope, '', { GET: handler, PUT: handler }),
    },
  ]);
}

function assertChatEnvelope(response: HttpResponse, status: number, internalCode: number): Envelope {
  assert.equal(response.status, status, response.text);
  assert.equal(response.header('content-type'), 'application/json');
  const body = response.json() as Envelope;
  assert.match(body.error.time, ISO_TIME);
  assert.equal(body.error.internalCode, internalCode);
  return body;
}

for (const target of await databaseTargets()) {
  describe(`legacy representation layer on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    let limited: TestServer;
    const { accountId, key, seed } = accountSeed();
    const other = accountSeed();
    const get = (path: string, headers: Record<string, string> = {}) => send(server.baseUrl, 'GET', path, { headers });

    before(async () => {
      server = await startTestServer(target, {
        routes: probeRoutes,
        http: { corsOrigins: ['https://desk.example.com'] },
      });
      await applySeed(server.core, seed);
      await applySeed(server.core, other.seed);
      limited = await startTestServer(target, {
        http: { rateLimits: { account: { burst: 100, perSecond: 1 }, credential: { burst: 2, perSecond: 0.5 } } },
      });
      await applySeed(limited.core, seed);
    });
    after(async () => {
      await server.close();
      await limited.close();
    });

    describe('format negotiation and error envelopes', () => {
      it('renders chat-route errors in XML for a .xml suffix, with an ISO-8601 time', async () => {
        const appKey = seed.accounts[0]!.appKeys[0]!;
        const response = await get(`/api/account/${accountId}/chat/H123-abcK1.xml?v=1&NC=true&appKey=${appKey}`);
        assert.equal(response.status, 404);
        assert.equal(response.header('content-type'), 'application/xml; charset=utf-8');
        assert.match(response.text, /^<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>/);
        assert.match(
          response.text,
          /<error><time>\d{4}-\d{2}-\d{2}T[^<]+<\/time><message>Chat not found<\/message><internalCode>42<\/internalCode><responseStatus>NOT_FOUND<\/responseStatus><\/error>/,
        );
      });

      it('lets the suffix win over Accept, and Accept decide without a suffix', async () => {
        const json = await get(`/api/account/${accountId}/chat/H1-aK1.json?appKey=${seed.accounts[0]!.appKeys[0]!}`, {
          Accept: 'application/xml',
        });
        assert.equal(json.header('content-type'), 'application/json');
        const xml = await get(`/api/account/${accountId}/agentSession/1/nothing-here`, { Accept: 'text/xml' });
        assert.equal(xml.header('content-type'), 'application/xml; charset=utf-8');
        const fallback = await get(`/api/account/${accountId}/agentSession/1/nothing-here`, { Accept: '*/*' });
        assertChatEnvelope(fallback, 404, 42);
      });

      it('collapses doubled slashes before routing', async () => {
        const response = await get(`/api/account/${accountId}//service//agentVep/baseURI.json`);
        assert.equal(response.status, 200);
      });

      it('answers a body over the limit with 413 and the envelope', async () => {
        const response = await send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, {
          body: { username: 'alice', password: 'x'.repeat(70_000) },
        });
        assert.equal(response.status, 413);
        assert.equal((response.json() as Envelope).error.internalCode, 40);
      });

      it('reads bodies without a Content-Type, as text/plain or with a misspelt type by sniffing', async () => {
        for (const type of [undefined, 'text/plain', 'apiAilication/json']) {
          const response = await send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, {
            body: '{"username":"alice","password":"alice-pass"}',
            headers: type === undefined ? {} : { 'Content-Type': type },
          });
          assert.equal(response.status, 200, `${type}: ${response.text}`);
        }
        const xml = await send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, {
          body: '<login><username>alice</username><password>alice-pass</password></login>',
          headers: { 'Content-Type': 'application/xml' },
        });
        // The Login Service reads a JSON object; an XML login document is not one (platform §4.1).
        assert.equal(xml.status, 400);
      });

      it('answers a failing store with 500 / 99 and no internal detail', async () => {
        const broken = await startTestServer(target);
        await applySeed(broken.core, seed);
        await broken.store.close();
        const response = await send(broken.baseUrl, 'POST', `/api/account/${accountId}/login`, {
          body: { username: 'alice', password: 'alice-pass' },
        });
        assert.equal(response.status, 500);
        assert.deepEqual(Object.keys((response.json() as Envelope).error), [
          'time',
          'message',
          'internalCode',
          'responseStatus',
        ]);
        assert.equal((response.json() as Envelope).error.message, 'Internal server error');
        assert.equal((response.json() as Envelope).error.internalCode, 99);
        const health = await send(broken.baseUrl, 'GET', '/health');
        assert.equal(health.status, 503);
        // Closing again is harmless; this also drops the database.
        await broken.close();
      });
    });

    describe('health', () => {
      it('answers 200 while the store answers, naming the node', async () => {
        const response = await get('/health');
        assert.equal(response.status, 200);
        assert.equal(response.header('retry-after'), undefined);
        assert.deepEqual(response.json(), { status: 'ok', ready: true, node: server.core.nodes.id, store: 'ok' });
      });

      it("says whether the nodes' Redis is reachable, and is not ready while it is not", async () => {
        let redis: 'ok' | 'unreachable' = 'ok';
        const withRedis = await startTestServer(target, {
          bus: { ...createMemoryEventBus(), condition: () => redis },
        });
        try {
          const reachable = await send(withRedis.baseUrl, 'GET', '/health');
          assert.equal(reachable.status, 200);
          assert.deepEqual(reachable.json(), {
            status: 'ok',
            ready: true,
            node: withRedis.core.nodes.id,
            store: 'ok',
            redis: 'ok',
          });
          redis = 'unreachable';
          const cutOff = await send(withRedis.baseUrl, 'GET', '/health');
          assert.equal(cutOff.status, 503);
          assert.ok(Number(cutOff.header('retry-after')) >= 1);
          assert.deepEqual(cutOff.json(), {
            status: 'unavailable',
            ready: false,
            node: withRedis.core.nodes.id,
            store: 'ok',
            redis: 'unreachable',
          });
        } finally {
          await withRedis.close();
        }
      });
    });

    describe('CORS by route family (platform §1.6)', () => {
      it('reflects any origin on Server Chat API routes, without credentials', async () => {
        const response = await get(`/api/account/${accountId}/chat/availability.json`, {
          Origin: 'https://shop.example',
        });
        assert.equal(response.header('access-control-allow-origin'), 'https://shop.example');
        assert.equal(response.header('vary'), 'Origin');
        assert.equal(response.header('access-control-allow-credentials'), undefined);
        assert.equal(response.header('access-control-expose-headers'), 'Location, ETag, ac-revision, Retry-After');
      });

      it('reflects only allow-listed origins on agent-side routes, with credentials', async () => {
        const listed = await get(`/api/account/${accountId}/agentSession/probe`, {
          Origin: 'https://desk.example.com',
        });
        assert.equal(listed.header('access-control-allow-origin'), 'https://desk.example.com');
        assert.equal(listed.header('access-control-allow-credentials'), 'true');
        const stranger = await send(server.baseUrl, 'OPTIONS', `/api/account/${accountId}/login`, {
          headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
        });
        assert.equal(stranger.status, 204);
        assert.equal(stranger.header('access-control-allow-origin'), undefined);
      });
    });

    describe('account configuration paths (platform §1.5, §1.6)', () => {
      it('answer like the platform APIs: the Login time form, allow-listed origins with credentials', async () => {
        const stranger = await get(`/api/account/${accountId}/configuration/le-users/skills`, {
          Origin: 'https://shop.example',
        });
        assert.equal(stranger.status, 404);
        assert.match(
          (stranger.json() as Envelope).error.time,
          /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/,
        );
        assert.equal(stranger.header('access-control-allow-origin'), undefined);
        const listed = await get(`/api/account/${accountId}/configuration/le-users/skills`, {
          Origin: 'https://desk.example.com',
        });
        assert.equal(listed.header('access-control-allow-origin'), 'https://desk.example.com');
        assert.equal(listed.header('access-control-allow-credentials'), 'true');
      });
    });

    describe('rate limits (platform §6.3)', () => {
      it('answers 429 with Retry-After and internalCode 50 once a credential spends its budget', async () => {
        const path = `/api/account/${accountId}/service/baseURI.json`;
        assert.equal((await send(limited.baseUrl, 'GET', path)).status, 200);
        assert.equal((await send(limited.baseUrl, 'GET', path)).status, 200);
        const refused = await send(limited.baseUrl, 'GET', path);
        assert.equal(refused.status, 429);
        assert.equal(refused.header('retry-after'), '2');
        assert.equal((refused.json() as Envelope).error.internalCode, 50);
        assert.equal((refused.json() as Envelope).error.responseStatus, 'TOO_MANY_REQUESTS');
        limited.clock.advance(2_000);
        assert.equal((await send(limited.baseUrl, 'GET', path)).status, 200);
      });

      it('spends one budget per OAuth 1.0 key and token, whatever the nonce and signature of each request', async () => {
        const path = `/api/account/${accountId}/service/baseURI.json`;
        const signed = (consumerKey: string, nonce: string) =>
          send(limited.baseUrl, 'GET', path, {
            headers: {
              Authorization:
                `OAuth oauth_consumer_key="${consumerKey}", oauth_token="token-1", oauth_nonce="${nonce}", ` +
                `oauth_timestamp="1", oauth_signature_method="HMAC-SHA1", oauth_signature="${nonce}-sig"`,
            },
          });
        assert.equal((await signed('key-a', 'n1')).status, 200);
        assert.equal((await signed('key-a', 'n2')).status, 200);
        const refused = await signed('key-a', 'n3');
        assert.equal(refused.status, 429, refused.text);
        assert.equal((refused.json() as Envelope).error.internalCode, 50);
        // Another key has a budget of its own.
        assert.equal((await signed('key-b', 'n4')).status, 200);
      });

      it('brakes repeated logins of one user', async () => {
        const braked = await startTestServer(target, { loginBudgets: { userAtAddress: { burst: 2, perSecond: 0.2 } } });
        await applySeed(braked.core, seed);
        const attempt = () =>
          send(braked.baseUrl, 'POST', `/api/account/${accountId}/login`, {
            body: { username: 'alice', password: 'wrong' },
          });
        assert.equal((await attempt()).status, 401);
        assert.equal((await attempt()).status, 401);
        const refused = await attempt();
        assert.equal(refused.status, 429);
        assert.equal(refused.header('retry-after'), '5');
        await braked.close();
      });
    });

    describe('agent-side authentication', () => {
      const probe = `/api/account/${accountId}/agentSession/probe`;
      const login = async (account = accountId) => {
        const response = await send(server.baseUrl, 'POST', `/api/account/${account}/login`, {
          body: { username: 'alice', password: 'alice-pass' },
        });
        return response.json() as { bearer: string; csrf: string; sessionId: string };
      };

      it('accepts a bearer, with any capitalisation of the header and scheme', async () => {
        const { bearer } = await login();
        const response = await get(`${probe}.json?v=1&NC=true`, { AUTHORIZATION: `bearer ${bearer}` });
        assert.equal(response.status, 200, response.text);
        assert.deepEqual(response.json(), { probe: { '@kind': 'bearer', who: 'alice', method: 'GET' } });
      });

      it("refuses a logged-out bearer with 401 / 30 and another account's with 401 / 6", async () => {
        const session = await login();
        await send(server.baseUrl, 'POST', `/api/account/${accountId}/logout`, {
          body: { csrf: session.csrf },
          headers: { Cookie: `session_id=${session.sessionId}` },
        });
        assertChatEnvelope(await get(probe, { Authorization: `Bearer ${session.bearer}` }), 401, 30);
        const foreign = await login(other.accountId);
        assertChatEnvelope(await get(probe, { Authorization: `Bearer ${foreign.bearer}` }), 401, 6);
      });

      it('refuses a request without credentials with 401 / 5 and the observed message', async () => {
        const body = assertChatEnvelope(await get(probe), 401, 5);
        assert.equal(body.error.message, UNKNOWN_AUTHORIZATION_MESSAGE);
        assertChatEnvelope(await get(probe, { Authorization: 'Basic YWxpY2U6eA==' }), 401, 5);
      });

      describe('OAuth 1.0 signed requests', () => {
        const signer = (consumerSecret = key.secret) =>
          new OAuth({
            consumer: { key: key.appKey, secret: consumerSecret },
            signature_method: 'HMAC-SHA1',
            hash_function: (base, signingKey) => createHmac('sha1', signingKey).update(base).digest('base64'),
          });
        const token = { key: key.accessToken, secret: key.accessTokenSecret };
        const now = () => Math.floor(server.clock.now() / 1000);
        /** An Authorization header made by an independent OAuth 1.0 library. */
        const signedHeader = (
          method: string,
          path: string,
          options: { secret?: string; timestamp?: number; nonce?: string } = {},
        ): Record<string, string> => {
          const oauth = signer(options.secret);
          const request = { url: `${server.baseUrl}${path}`, method };
          const data: OAuth.Authorization = {
            oauth_consumer_key: key.appKey,
            oauth_token: token.key,
            oauth_signature_method: 'HMAC-SHA1',
            oauth_timestamp: options.timestamp ?? now(),
            oauth_nonce: options.nonce ?? Math.random().toString(36).slice(2),
            oauth_version: '1.0',
            oauth_signature: '',
          };
          const { oauth_signature: _unsigned, ...unsigned } = data;
          return {
            ...oauth.toHeader({
              ...unsigned,
              oauth_signature: oauth.getSignature(request, token.secret, unsigned as OAuth.Authorization),
            }),
          };
        };
        const signedGet = (path: string, options: { secret?: string; timestamp?: number; nonce?: string } = {}) =>
          get(path, signedHeader('GET', path, options));
        const problem = (response: HttpResponse, name: string) => {
          assert.equal(response.status, 401, response.text);
          assert.equal(response.header('content-type'), 'application/x-www-form-urlencoded');
          assert.match(response.text, new RegExp(`^oauth_problem=${name}&oauth_problem_advice=`));
        };
        it('accepts a request signed with the key, the .json suffix and query included', async () => {
          const response = await signedGet(`${probe}.json?v=1&NC=true`);
          assert.equal(response.status, 200, response.text);
          assert.deepEqual(response.json(), { probe: { '@kind': 'api-key', who: key.appKey, method: 'GET' } });
        });

        it('verifies an overridden PUT against the wire method POST', async () => {
          const response = await send(server.baseUrl, 'POST', `${probe}?v=1`, {
            body: {},
            headers: { ...signedHeader('POST', `${probe}?v=1`), 'X-HTTP-Method-Override': 'PUT' },
          });
          assert.equal(response.status, 200, response.text);
          assert.equal((response.json() as { probe: { method: string } }).probe.method, 'POST');
        });

        it('refuses a bad signature, a stale timestamp and a reused nonce, each with its problem', async () => {
          problem(await signedGet(probe, { secret: 'not-the-secret' }), 'signature_invalid');
          problem(await signedGet(probe, { timestamp: now() - 301 }), 'timestamp_refused');
          assert.equal((await signedGet(probe, { nonce: 'once-only' })).status, 200);
          problem(await signedGet(probe, { nonce: 'once-only' }), 'nonce_used');
        });

        it("refuses an unknown key, a wrong token, a missing parameter and another account's key", async () => {
          problem(
            await get(probe, {
              Authorization:
                'OAuth oauth_consumer_key="0000", oauth_token="t", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_nonce="n", oauth_signature="x"',
            }),
            'consumer_key_unknown',
          );
          problem(
            await get(probe, {
              Authorization: `OAuth oauth_consumer_key="${key.appKey}", oauth_token="wrong", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_nonce="n", oauth_signature="x"`,
            }),
            'token_rejected',
          );
          problem(await get(probe, { Authorization: `OAuth oauth_consumer_key="${key.appKey}"` }), 'parameter_absent');
          problem(
            await get(probe, {
              Authorization: `OAuth oauth_consumer_key="${key.appKey}", oauth_token="${key.accessToken}", oauth_signature_method="PLAINTEXT", oauth_timestamp="1", oauth_nonce="n", oauth_signature="x"`,
            }),
            'signature_method_rejected',
          );
          const foreignPath = `/api/account/${other.accountId}/agentSession/probe`;
          problem(await signedGet(foreignPath), 'token_rejected');
        });
      });
    });
  });
}

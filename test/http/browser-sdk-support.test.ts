import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

interface Engagement {
  visitorId: string;
  sessionId: string;
  status: string;
  engagementDetails?: { skillName: string; engagementId: number; skillId: number; contextId: string };
}

/** The argument a JSONP answer `cb(…);` passes. */
function jsonpArgument(text: string, callback: string): unknown {
  assert.ok(text.startsWith(`${callback}(`) && text.endsWith(');'), text);
  return JSON.parse(text.slice(callback.length + 1, -2));
}

for (const target of await databaseTargets()) {
  describe(
    `what LivePerson's JavaScript Chat SDK needs beside the Server Chat API, on ${target.name}`,
    { skip: target.unavailable },
    () => {
      let server: TestServer;
      const { accountId, seed } = accountSeed();
      const appKey = seed.accounts[0]!.appKeys[0]!;
      const get = (path: string) => send(server.baseUrl, 'GET', path);

      before(async () => {
        server = await startTestServer(target);
        await applySeed(server.core, seed);
      });
      after(async () => server.close());

      describe('App Engagement API (smt): getEngagement', () => {
        const engage = async (path: string, body: unknown = { appType: 'EXTERNAL' }) => {
          const response = await send(
            server.baseUrl,
            'POST',
            `/api/account/${accountId}/app/engagement/visitors${path}`,
            {
              body,
              headers: { Origin: 'https://shop.example' },
            },
          );
          assert.equal(response.status, 200, response.text);
          assert.equal(response.header('access-control-allow-origin'), 'https://shop.example');
          return response.json() as Engagement;
        };

        it('offers a skill as an engagement, NotAvailable while nobody is online, without an app key', async () => {
          const first = await engage('/?v=1.0');
          assert.equal(first.status, 'NotAvailable');
          assert.match(first.visitorId, /^[\w-]+$/);
          assert.match(first.sessionId, /^[\w-]+$/);
          assert.equal(first.engagementDetails?.skillName, 'Sales');
          assert.equal(first.engagementDetails?.engagementId, 1001);
          // The ids the SDK stored come back unchanged.
          const again = await engage(`/${first.visitorId}?v=1.0&sid=${first.sessionId}`);
          assert.equal(again.visitorId, first.visitorId);
          assert.equal(again.sessionId, first.sessionId);
        });

        it('is Available once an agent with the skill is online; a consumer section chooses the skill', async () => {
          const alice = await AgentClient.login({
            baseUrl: server.baseUrl,
            accountId,
            username: 'alice',
            password: 'alice-pass',
          });
          await alice.setAvailability('Online');
          const sales = await engage('?v=1.0');
          assert.equal(sales.status, 'Available');
          assert.equal(sales.engagementDetails?.skillName, 'Sales');
          const support = await engage('?v=1.0', { appType: 'EXTERNAL', consumerSections: ['support'] });
          assert.equal(support.engagementDetails?.skillName, 'Support');
          assert.equal(support.status, 'NotAvailable');
          await alice.logout();
        });

        it('refuses an unknown account', async () => {
          const response = await send(server.baseUrl, 'POST', '/api/account/99999999/app/engagement/visitors/?v=1.0', {
            body: {},
          });
          assert.ok(response.status === 401 || response.status === 404, response.text);
        });
      });

      describe('the postmessage bridge page', () => {
        it('is served where the SDK looks for it, frameable, running only its own script', async () => {
          for (const path of ['/hcp/html/postmessage.min.html', '/postmessage/postmessage.min.html']) {
            const response = await get(`${path}?bust=1&loc=${encodeURIComponent('https://shop.example')}`);
            assert.equal(response.status, 200, path);
            assert.match(response.header('content-type') ?? '', /^text\/html/);
            assert.equal(response.header('x-frame-options'), undefined);
            const policy = response.header('content-security-policy') ?? '';
            assert.match(policy, /default-src 'none'/);
            assert.match(policy, /script-src 'sha256-[\w+/=]+'/);
            assert.match(policy, /connect-src 'self'/);
            assert.doesNotMatch(policy, /frame-ancestors/);
            assert.match(response.text, /credentials: 'omit'/);
          }
        });
      });

      describe('js2rest: the JSONP transport', () => {
        const js2rest = async (carried: unknown, extra = '') => {
          const lpB = encodeURIComponent(JSON.stringify(carried));
          const response = await get(
            `/api/account/${accountId}/js2rest/chat?lpV=1&lpjson=1${extra}&lpB=${lpB}&cb=lpCb42`,
          );
          assert.equal(response.status, 200, response.text);
          assert.equal(response.header('content-type'), 'application/javascript');
          return jsonpArgument(response.text, 'lpCb42') as {
            responseCode: number;
            body: Record<string, unknown>;
            headers: Record<string, string>;
          };
        };
        const base = () => `https://${new URL(server.baseUrl).host}/api/account/${accountId}`;
        const auth = { AUTHORIZATION: `LivePerson appKey=${appKey}` };

        it('carries a GET and a POST, with the Location of a new chat', async () => {
          const account = await js2rest({ u: `${base()}?v=1&NC=true`, m: 'GET', b: '', h: auth });
          assert.equal(account.responseCode, 200);
          assert.ok(JSON.stringify(account.body).includes('chat-request'));
          const started = await js2rest({
            u: `${base()}/chat/request?v=1&NC=true`,
            m: 'POST',
            b: { request: { skill: 'Sales' } },
            h: auth,
          });
          assert.equal(started.responseCode, 201);
          assert.match(started.headers.Location ?? '', /\/chat\/[\w-]+$/);
        });

        it('passes the REST answer on, errors included', async () => {
          const refused = await js2rest({
            u: `${base()}?v=1`,
            m: 'GET',
            b: '',
            h: { AUTHORIZATION: 'LivePerson appKey=wrong' },
          });
          assert.equal(refused.responseCode, 401);
          assert.match(String(refused.body), /consumer_key_rejected/);
        });

        it('reassembles a request sent in parts (lpP of lpO, lpS)', async () => {
          const json = encodeURIComponent(JSON.stringify({ u: `${base()}?v=1&NC=true`, m: 'GET', b: '', h: auth }));
          const cut = json.indexOf('%', 20);
          const parts = [json.slice(0, cut), json.slice(cut)];
          const url = (index: number, lpS = '') =>
            `/api/account/${accountId}/js2rest?lpV=1&lpjson=1&lpP=${index + 1}&lpO=2${lpS}&lpB=${parts[index]}&cb=lpCb7`;
          const first = jsonpArgument((await get(url(0))).text, 'lpCb7') as {
            responseCode: number;
            lpMeta: { lpS: string };
          };
          assert.equal(first.responseCode, 200);
          const last = jsonpArgument((await get(url(1, `&lpS=${first.lpMeta.lpS}`))).text, 'lpCb7') as {
            responseCode: number;
          };
          assert.equal(last.responseCode, 200);
        });

        it('carries only the chat SDK’s requests on its own account', async () => {
          for (const u of [
            `https://x/api/account/${accountId}/agentSession?v=1`,
            `https://x/api/account/${accountId}/login?v=1.3`,
            'https://x/api/account/99999999/chat/request?v=1',
            'https://x/health',
          ]) {
            const lpB = encodeURIComponent(JSON.stringify({ u, m: 'POST', b: {}, h: '' }));
            const response = await get(`/api/account/${accountId}/js2rest?lpB=${lpB}&cb=lpCb1`);
            assert.equal(response.status, 400, u);
          }
        });
      });
    },
  );
}

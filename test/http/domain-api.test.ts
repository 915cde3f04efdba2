import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { assertGolden, normalizedJson } from '../support/golden.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

interface Envelope {
  error: { time: string; message: string; internalCode: number; responseStatus: string };
}

function assertEnvelope(response: HttpResponse, status: number, internalCode: number): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.header('content-type'), 'application/json');
  const body = response.json() as Envelope;
  assert.equal(body.error.internalCode, internalCode);
  assert.match(body.error.time, /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/);
}

for (const target of await databaseTargets()) {
  describe(`Domain API over HTTP on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    let configured: TestServer;
    const { accountId, seed } = accountSeed();
    const get = (path: string, headers: Record<string, string> = {}, on = server) =>
      send(on.baseUrl, 'GET', path, { headers });
    const host = () => new URL(server.baseUrl).host;

    before(async () => {
      server = await startTestServer(target, { http: { allowedHosts: ['chat.local:9000'] } });
      await applySeed(server.core, seed);
      configured = await startTestServer(target, { http: { publicHost: 'chat.example.org' } });
      await applySeed(configured.core, seed);
    });
    after(async () => {
      await server.close();
      await configured.close();
    });

    describe('D1/D2: one service', () => {
      for (const prefix of ['/api', '/csdr']) {
        it(`${prefix}: answers {service, account, baseURI} as JSON, even without Accept`, async () => {
          const response = await get(`${prefix}/account/${accountId}/service/agentVep/baseURI.json?version=1.0`);
          assert.equal(response.status, 200);
          assert.equal(response.header('content-type'), 'application/json');
          assert.equal(response.header('cache-control'), 'no-cache, no-store');
          assert.equal(response.text, JSON.stringify({ service: 'agentVep', account: accountId, baseURI: host() }));
        });
      }

      it('answers every advertised service, with or without .json and version', async () => {
        for (const service of ['agentVep', 'conversationVep', 'smt']) {
          for (const path of [
            `/api/account/${accountId}/service/${service}/baseURI.json?version=1.0`,
            `/api/account/${accountId}/service/${service}/baseURI`,
          ]) {
            const response = await get(path);
            assert.equal(response.status, 200, path);
            assert.deepEqual(response.json(), { service, account: accountId, baseURI: host() });
          }
        }
      });

      it('advertises PARLEY_PUBLIC_HOST when configured', async () => {
        const response = await get(`/api/account/${accountId}/service/agentVep/baseURI.json`, {}, configured);
        assert.deepEqual(response.json(), { service: 'agentVep', account: accountId, baseURI: 'chat.example.org' });
      });

      it('never advertises a Host header that is not a plain authority, or not an allowed host', async () => {
        for (const forged of ['evil.example/phish?', 'evil.example', 'chat.local:9001']) {
          const response = await get(`/api/account/${accountId}/service/agentVep/baseURI.json`, { Host: forged });
          assert.equal((response.json() as { baseURI: string }).baseURI, '127.0.0.1:8080', forged);
        }
        for (const honest of ['chat.local:9000', 'localhost:4000']) {
          const response = await get(`/api/account/${accountId}/service/agentVep/baseURI.json`, { Host: honest });
          assert.equal((response.json() as { baseURI: string }).baseURI, honest);
        }
      });

      it('ignores any Authorization header', async () => {
        const response = await get(`/api/account/${accountId}/service/agentVep/baseURI.json?version=1.0`, {
          Authorization: 'OAuth oauth_consumer_key="x", oauth_signature="garbage"',
        });
        assert.equal(response.status, 200);
      });

      it('stays JSON when XML is asked for (the Domain API has no XML form)', async () => {
        const response = await get(`/api/account/${accountId}/service/agentVep/baseURI?version=1.0`, {
          Accept: 'application/xml',
        });
        assert.equal(response.header('content-type'), 'application/json');
      });

      it('answers an unknown or wrong-case service with 404 / 42', async () => {
        assertEnvelope(await get(`/api/account/${accountId}/service/agentvep/baseURI.json`), 404, 42);
        assertEnvelope(await get(`/csdr/account/${accountId}/service/messaging/baseURI.json`), 404, 42);
      });
    });

    describe('D3/D4/D5: all services', () => {
      it('answers {"baseURIs": […]} with each service once, on every path form', async () => {
        const paths = [
          `/api/account/${accountId}/service/baseURI.json?version=1.0`,
          `/csdr/account/${accountId}/service/baseURI.json?version=1.0`,
          `/api/account/${accountId}/service/baseURI?version=1.0`,
        ];
        for (const path of paths) {
          const response = await get(path, { Accept: 'application/json' });
          assert.equal(response.status, 200, path);
          assert.equal(response.header('content-type'), 'application/json');
          const body = response.json() as { baseURIs: { service: string }[] };
          const services = body.baseURIs.map((entry) => entry.service);
          assert.equal(new Set(services).size, services.length);
          assert.deepEqual(services, ['agentVep', 'conversationVep', 'smt']);
        }
        const golden = await get(paths[0]!);
        assertGolden('domain/all-services.json', normalizedJson(golden.json(), { [accountId]: '<account>' }));
      });
    });

    describe('errors', () => {
      it('answers an unknown account with 404 / 6 (never 401)', async () => {
        assertEnvelope(await get('/api/account/99999999/service/agentVep/baseURI.json'), 404, 6);
        assertEnvelope(await get('/csdr/account/99999999/service/baseURI.json'), 404, 6);
      });

      it('answers a malformed account id with 400 / 40', async () => {
        assertEnvelope(await get('/api/account/not-valid!/service/baseURI.json'), 400, 40);
        assertEnvelope(await get(`/api/account/${'1'.repeat(21)}/service/agentVep/baseURI.json`), 400, 40);
      });

      it('answers other methods with 405 / 44', async () => {
        const response = await send(server.baseUrl, 'POST', `/api/account/${accountId}/service/baseURI.json`, {
          body: {},
        });
        assertEnvelope(response, 405, 44);
      });
    });

    describe('CORS and JSONP', () => {
      it('allows any origin with * and answers preflights with 204 without authentication', async () => {
        const response = await get(`/api/account/${accountId}/service/baseURI.json`, {
          Origin: 'https://shop.example',
        });
        assert.equal(response.header('access-control-allow-origin'), '*');
        assert.equal(response.header('access-control-allow-credentials'), undefined);
        const preflight = await send(server.baseUrl, 'OPTIONS', `/api/account/${accountId}/service/baseURI.json`, {
          headers: {
            Origin: 'https://shop.example',
            'Access-Control-Request-Method': 'GET',
            'Access-Control-Request-Headers': 'x-custom-header, authorization',
          },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.header('access-control-allow-origin'), '*');
        assert.equal(preflight.header('access-control-allow-methods'), 'GET, POST, PUT, DELETE, OPTIONS');
        assert.match(preflight.header('access-control-allow-headers') ?? '', /X-HTTP-Method-Override/);
        assert.match(preflight.header('access-control-allow-headers') ?? '', /x-custom-header/);
        assert.equal(preflight.header('access-control-max-age'), '600');
      });

      it('answers the JSONP form with the callback, and adminArea names this server', async () => {
        const response = await get(`/csdr/account/${accountId}/service/adminArea/baseURI.lpCsds?version=1.0&cb=lpCb12`);
        assert.equal(response.status, 200);
        assert.equal(response.header('content-type'), 'application/javascript');
        assert.equal(response.text, `lpCb12(${JSON.stringify({ ResultSet: { lpData: [{ lpServer: host() }] } })});`);
      });

      it('answers the all-services JSONP form the JavaScript Chat SDK reads, smt included', async () => {
        const response = await get(`/csdr/account/${accountId}/service/baseURI.lpCsds?version=1.0&cb=lpCb7_3`);
        assert.equal(response.status, 200);
        assert.equal(response.header('content-type'), 'application/javascript');
        const baseURIs = ['agentVep', 'conversationVep', 'smt'].map((service) => ({
          service,
          account: accountId,
          baseURI: host(),
        }));
        assert.equal(response.text, `lpCb7_3(${JSON.stringify({ ResultSet: { lpData: { baseURIs } } })});`);
        assertEnvelope(await get('/csdr/account/99999999/service/baseURI.lpCsds?cb=lpCb1'), 404, 6);
        assertEnvelope(await get(`/csdr/account/${accountId}/service/baseURI.lpCsds?cb=a-b`), 400, 40);
      });

      it('refuses a JSONP callback that is not an identifier', async () => {
        const response = await get(
          `/csdr/account/${accountId}/service/agentVep/baseURI.lpCsds?cb=${encodeURIComponent('alert(1);x')}`,
        );
        assertEnvelope(response, 400, 40);
      });
    });
  });
}

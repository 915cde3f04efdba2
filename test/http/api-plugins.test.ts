import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;
const LOGIN_TIME = /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/;
const DESK = 'https://desk.example.com';
const SHOP = 'https://shop.example';

interface Envelope {
  error: { time: string; message: string; internalCode: number; responseStatus: string };
}

const envelopeOf = (response: HttpResponse): Envelope => response.json() as Envelope;

// Each API is its own plugin under its own prefixes: the most specific prefix decides which API's
// rules answer a path, its routes' and its not-found answer's alike (docs/ARCHITECTURE.md).
for (const target of await databaseTargets()) {
  describe(`one plugin per API on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();

    before(async () => {
      server = await startTestServer(target, { http: { corsOrigins: [DESK] } });
      await applySeed(server.core, seed);
    });
    after(async () => server.close());

    const get = (path: string, origin: string) => send(server.baseUrl, 'GET', path, { headers: { Origin: origin } });

    it('answers a path below a Login Service resource by the Login Service rules', async () => {
      const response = await get(`/api/account/${accountId}/login/anything`, SHOP);
      assert.equal(response.status, 404);
      assert.match(envelopeOf(response).error.time, LOGIN_TIME);
      assert.equal(envelopeOf(response).error.internalCode, 42);
      // Allow-listed origins only: a shop's page may not read it.
      assert.equal(response.header('access-control-allow-origin'), undefined);
      assert.equal(response.header('cache-control'), 'no-cache, no-store');
    });

    it('answers an unknown path under the account by the Server Chat API rules', async () => {
      const response = await get(`/api/account/${accountId}/nothing/here`, SHOP);
      assert.equal(response.status, 404);
      assert.match(envelopeOf(response).error.time, ISO_TIME);
      assert.equal(response.header('access-control-allow-origin'), SHOP);
      assert.equal(response.header('access-control-allow-credentials'), undefined);
    });

    it('answers an unknown path under agent sessions by the Chat Agent API rules, in the format asked', async () => {
      const response = await send(server.baseUrl, 'GET', `/api/account/${accountId}/agentSession/1/nothing.xml`, {
        headers: { Origin: DESK },
      });
      assert.equal(response.status, 404);
      assert.match(response.header('content-type') ?? '', /^application\/xml/);
      assert.match(response.text, /<internalCode>42<\/internalCode>/);
      assert.equal(response.header('access-control-allow-origin'), DESK);
      assert.equal(response.header('access-control-allow-credentials'), 'true');
    });

    it('answers the Domain API paths, known or not, to any origin', async () => {
      const known = await get(`/csdr/account/${accountId}/service/agentVep/baseURI.json`, SHOP);
      assert.equal(known.status, 200, known.text);
      assert.equal(known.header('access-control-allow-origin'), '*');
      const unknown = await get('/csdr/nothing', SHOP);
      assert.equal(unknown.status, 404);
      assert.match(envelopeOf(unknown).error.time, LOGIN_TIME);
      assert.equal(unknown.header('access-control-allow-origin'), '*');
    });

    it('answers paths outside every API with the envelope and no CORS or cache headers', async () => {
      const response = await get('/nothing', SHOP);
      assert.equal(response.status, 404);
      assert.equal(envelopeOf(response).error.internalCode, 42);
      assert.equal(response.header('access-control-allow-origin'), undefined);
      assert.equal(response.header('cache-control'), undefined);
    });

    it('answers a method a resource lacks with 405 before asking for credentials', async () => {
      // No bearer at all: the authentication hook would say 401, but the resource has no DELETE.
      const response = await send(server.baseUrl, 'DELETE', `/api/account/${accountId}/agentSession/1/availableAgents`);
      assert.equal(response.status, 405, response.text);
      assert.equal(envelopeOf(response).error.internalCode, 44);
      assert.equal(response.header('allow'), 'GET');
      const refresh = await send(server.baseUrl, 'GET', `/api/account/${accountId}/refresh`);
      assert.equal(refresh.status, 405, refresh.text);
      assert.equal(refresh.header('allow'), 'POST');
    });

    it('asks for credentials once the resource has the method', async () => {
      const agent = await send(server.baseUrl, 'GET', `/api/account/${accountId}/agentSession/1/availableAgents`);
      assert.equal(agent.status, 401, agent.text);
      assert.equal(envelopeOf(agent).error.internalCode, 5);
      const visitor = await send(server.baseUrl, 'GET', `/api/account/${accountId}/chat/availability`);
      assert.equal(visitor.status, 401, visitor.text);
      assert.equal(envelopeOf(visitor).error.internalCode, 5);
      // Refresh's credential is the session cookie: without one, 401 / 30 before the body (platform §4.8).
      const refresh = await send(server.baseUrl, 'POST', `/api/account/${accountId}/refresh`, { body: {} });
      assert.equal(refresh.status, 401, refresh.text);
      assert.equal(envelopeOf(refresh).error.internalCode, 30);
    });
  });
}

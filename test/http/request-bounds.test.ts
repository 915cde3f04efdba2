import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BODY_BOUNDS, BODY_LIMIT_BYTES } from '../../src/http/legacy/body-bounds.js';
import { agentClient, assertError, visitorClient } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

interface Envelope {
  error: { message: string; internalCode: number };
}

/** The 400 / 40 (or 413 / 40) envelope, and what its message names. */
function assertRefused(response: HttpResponse, status: number, mentions?: RegExp): void {
  assertError(response, status, 40);
  if (mentions !== undefined) assert.match((response.json() as Envelope).error.message, mentions);
}

for (const target of await databaseTargets()) {
  describe(`bounded request bodies on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();
    const appKey = seed.accounts[0]!.appKeys[0]!;
    // Nobody logs in for these: the Server Chat API's Start Chat takes an app key anyone can read.
    const startChat = (body: string, type: string) =>
      send(server.baseUrl, 'POST', `/api/account/${accountId}/chat/request.json?v=1&NC=true&appKey=${appKey}`, {
        body,
        headers: { 'Content-Type': type },
      });

    before(async () => {
      server = await startTestServer(target, { http: { bodyLimitBytes: BODY_LIMIT_BYTES } });
      await applySeed(server.core, seed);
    });
    after(async () => server.close());

    it('refuses XML with more attributes than the limit with 400 / 40 naming the limit', async () => {
      const attributes = Array.from({ length: 10_000 }, (_, index) => `a${index}="1"`).join(' ');
      const response = await startChat(`<request ${attributes}/>`, 'application/xml');
      assertRefused(response, 400, new RegExp(`more than ${BODY_BOUNDS.maxNodes} elements and attributes`));
    });

    it('refuses XML with more elements than the limit, also when its type is not declared', async () => {
      const body = `<request>${'<skill/>'.repeat(20_000)}</request>`;
      assertRefused(await startChat(body, 'application/xml'), 400, /elements and attributes/);
      assertRefused(await startChat(body, 'text/plain'), 400, /elements and attributes/);
    });

    it('refuses XML nested deeper than the limit', async () => {
      const body = `${'<request>'.repeat(1_000)}${'</request>'.repeat(1_000)}`;
      assertRefused(await startChat(body, 'text/xml'), 400, new RegExp(`deeper than ${BODY_BOUNDS.maxDepth} levels`));
    });

    it('refuses JSON nested deeper than the limit, or with more values than the limit', async () => {
      const deep = `{"request":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
      assertRefused(await startChat(deep, 'application/json'), 400, /deeper than/);
      const wide = JSON.stringify({ request: { skill: Array.from({ length: 20_000 }, () => 1) } });
      assertRefused(await startChat(wide, 'application/json'), 400, /more than \d+ values/);
    });

    it('refuses a form body with more fields than the limit', async () => {
      const body = Array.from({ length: 20_000 }, (_, index) => `f${index}=1`).join('&');
      assertRefused(await startChat(body, 'application/x-www-form-urlencoded'), 400, /form fields/);
    });

    it('still refuses a DOCTYPE, however small', async () => {
      const body = '<!DOCTYPE r [<!ENTITY a "aaaa">]><request><skill>&a;</skill></request>';
      assertRefused(await startChat(body, 'application/xml'), 400, /DOCTYPE/);
    });

    it('answers a body over the limit with 413 / 40 before reading it all', async () => {
      const body = `<request>${'<skill/>'.repeat(BODY_LIMIT_BYTES / 8 + 1)}</request>`;
      assertRefused(await startChat(body, 'application/xml'), 413);
    });

    it('keeps serving after refusing the big bodies', async () => {
      const response = await send(server.baseUrl, 'GET', '/health');
      assert.equal(response.status, 200);
    });

    it('takes the longest legitimate line, every character a character reference, in XML', async () => {
      const visitor = visitorClient(server.baseUrl, accountId, appKey);
      const agents = agentClient(server.baseUrl, accountId);
      const { session } = await agents.signIn('alice', 'alice-pass');
      await visitor.start({ skill: 'Sales' });
      const chatId = await session.accept();
      // 30,000 characters (the agent line's limit) of U+3042, each written `&#12354;`: 240 KB.
      const text = '\u3042'.repeat(30_000);
      const body = `<event type="line"><text>${'&#12354;'.repeat(30_000)}</text><textType>plain</textType></event>`;
      assert.ok(Buffer.byteLength(body) < BODY_LIMIT_BYTES && Buffer.byteLength(body) > 230_000);
      const posted = await send(server.baseUrl, 'POST', `${session.path}/chat/${chatId}/events.json?v=1&NC=true`, {
        body,
        headers: { 'Content-Type': 'application/xml', Authorization: `Bearer ${session.bearer}` },
      });
      assert.equal(posted.status, 201, posted.text.slice(0, 300));
      const lines = (await session.events(chatId)).filter((event) => event['@type'] === 'line');
      assert.equal(lines.at(-1)?.text, text);
    });
  });
}

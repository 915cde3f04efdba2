import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { agentClient, assertError, visitorClient, type AgentSessionClient } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { assertGolden, normalizedJson } from '../support/golden.js';
import type { HttpResponse } from '../support/http-client.js';
import { INVALID_CARDS, VALID_CARDS } from '../support/structured-content-cards.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Structured content (chat-agent-api §3.15, docs/LEGACY-QUIRKS.md "Structured content"): a template is
// checked before it is stored; what is stored is what both sides read back. Golden files hold the
// stored templates and the refusals, so a change to either is reviewed.

/** The answer as the golden files hold it: status, content type and the body with volatile parts replaced. */
const answer = (response: HttpResponse): string =>
  `${response.status} ${response.header('content-type') ?? ''}\n${normalizedJson(response.json())}`;

for (const target of await databaseTargets()) {
  describe(`structured content over HTTP on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    let alice: AgentSessionClient;
    let visitor: ReturnType<typeof visitorClient>;
    let chatId: string;

    before(async () => {
      server = await startTestServer(target);
      const { accountId, seed } = accountSeed();
      await applySeed(server.core, seed);
      alice = (await agentClient(server.baseUrl, accountId).signIn('alice', 'alice-pass')).session;
      await alice.setAvailability('Online');
      visitor = visitorClient(server.baseUrl, accountId, seed.accounts[0]!.appKeys[0]!);
      chatId = await visitor.start({ skill: 'Sales' });
      assert.equal(await alice.accept(), chatId);
    });
    after(() => server.close());

    const post = (json: unknown, extra: Record<string, unknown> = {}) =>
      alice.request('POST', `/chat/${chatId}/events`, {
        event: { '@type': 'line', textType: 'rich-content', json, ...extra },
      });

    for (const [name, card] of Object.entries(VALID_CARDS)) {
      it(`stores the valid card "${name}" and both sides read it back`, async () => {
        const posted = await post(card);
        assert.equal(posted.status, 201, posted.text);
        const eventId = /\/events\/(\d+)$/.exec(posted.header('location') ?? '')?.[1];
        assert.ok(eventId !== undefined);
        const seen = (await visitor.events(chatId)).find((event) => event['@id'] === eventId);
        assert.ok(seen !== undefined, 'the visitor reads the card');
        assert.equal(seen.textType, 'rich-content');
        assertGolden(`structured-content/valid-${name}.json`, normalizedJson(seen.json));
        const agentSide = (await alice.events(chatId)).find((event) => event['@id'] === eventId);
        assert.deepEqual(agentSide?.json, seen.json, 'the agent reads what the visitor reads');
        if (name !== 'xml-shapes') assert.deepEqual(seen.json, card, 'a JSON template is stored as posted');
      });
    }

    for (const [name, card] of Object.entries(INVALID_CARDS)) {
      it(`refuses the invalid card "${name}" with 400 / 40 and stores nothing`, async () => {
        const before = (await alice.events(chatId)).length;
        const refused = await post(card);
        assertError(refused, 400, 40);
        assertGolden(`structured-content/invalid-${name}.json`, answer(refused));
        assert.equal((await alice.events(chatId)).length, before);
      });
    }

    it('reads a card posted as XML with the JSON shapes', async () => {
      const posted = await alice.request(
        'POST',
        `/chat/${chatId}/events`,
        '<event type="line"><textType>rich-content</textType><json><type>vertical</type><elements><type>button</type><title>Yes</title><click><actions><type>publishText</type><text>Yes</text></actions></click><style><bold>true</bold></style></elements></json></event>',
        { 'content-type': 'application/xml' },
      );
      assert.equal(posted.status, 201, posted.text);
      const events = await visitor.events(chatId);
      assert.deepEqual(events.at(-1)?.json, {
        type: 'vertical',
        elements: [
          {
            type: 'button',
            title: 'Yes',
            click: { actions: [{ type: 'publishText', text: 'Yes' }] },
            style: { bold: true },
          },
        ],
      });
    });

    it('refuses a card posted as XML with an http image, naming the field', async () => {
      const refused = await alice.request(
        'POST',
        `/chat/${chatId}/events`,
        '<event type="line"><textType>rich-content</textType><json><type>vertical</type><elements><type>image</type><url>http://images.example.com/a.png</url></elements></json></event>',
        { 'content-type': 'application/xml' },
      );
      assertError(refused, 400, 40);
      assert.match(refused.text, /json\.elements\[0\]\.url/);
    });
  });
}

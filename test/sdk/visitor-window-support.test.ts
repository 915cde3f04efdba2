import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, newIdempotencyKey, VisitorClient } from '../../packages/sdk/src/index.js';
import type { Mailer } from '../../src/core/ports.js';
import { databaseTargets } from '../support/databases.js';
import { startSdkServer } from '../support/sdk.js';

const targets = await databaseTargets();

for (const target of targets) {
  describe(`what the visitor window needs from VisitorClient on ${target.name}`, { skip: target.unavailable }, () => {
    let fixture: Awaited<ReturnType<typeof startSdkServer>>;
    let withMail: Awaited<ReturnType<typeof startSdkServer>>;
    const mailer: Mailer = { send: async () => undefined };
    before(async () => {
      fixture = await startSdkServer(target);
      withMail = await startSdkServer(target, { mailer });
    });
    after(async () => {
      await fixture?.close();
      await withMail?.close();
    });

    it('stores a line once when the caller sends it again with its own Idempotency-Key', async () => {
      const { baseUrl, accountId, appKey } = fixture;
      const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
      await alice.setAvailability('Online');
      const visitor = await VisitorClient.startChat({ baseUrl, accountId, appKey, skill: 'Sales', keepAliveMs: 0 });
      const chat = await alice.acceptNext();
      assert.ok(chat !== null, 'the chat rang at alice');
      const key = newIdempotencyKey();
      // The window's own retry after the SDK's gave up: the same key, so the first attempt's line counts.
      const first = await visitor.sendLine('only once', { idempotencyKey: key });
      const again = await visitor.sendLine('only once', { idempotencyKey: key });
      assert.equal(again, first);
      const other = await visitor.sendLine('only once');
      assert.notEqual(other, first);
      const lines = (await chat.history()).filter((event) => event.type === 'line' && event.source === 'visitor');
      assert.deepEqual(
        lines.map((line) => [line.id, line.text]),
        [
          [first, 'only once'],
          [other, 'only once'],
        ],
      );
      await chat.end();
      await alice.logout();
    });

    it('tells whether the server e-mails transcripts', async () => {
      const connection = (server: typeof fixture) => ({
        baseUrl: server.baseUrl,
        accountId: server.accountId,
        appKey: server.appKey,
      });
      assert.equal(await VisitorClient.canEmailTranscripts(connection(fixture)), false);
      assert.equal(await VisitorClient.canEmailTranscripts(connection(withMail)), true);
    });
  });
}

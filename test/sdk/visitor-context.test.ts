import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { busyAlice, startSdkServer } from '../support/sdk.js';

// What the web apps show beside a chat: who the visitor is, their earlier chats, the skills a
// visitor can choose, the wait, and the agents a chat can be transferred to.
for (const target of await databaseTargets()) {
  describe(`the SDK tells an agent who the visitor is, on ${target.name}`, { skip: target.unavailable }, () => {
    let fixture: Awaited<ReturnType<typeof startSdkServer>>;

    before(async () => {
      fixture = await startSdkServer(target);
    });
    after(() => fixture.close());

    it('visit info: address, user agent, referrer, pre-chat answers and the same visitor’s earlier chats only', async () => {
      const { baseUrl, accountId, appKey } = fixture;
      const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
      await alice.setAvailability('Online');
      const preChat = await VisitorClient.preChatSurvey({ baseUrl, accountId, appKey });
      const [topic, order] = preChat.questions;
      const visitorId = 4_503_599_627_370_000;
      const chatAs = async (id: number, extra: Parameters<typeof VisitorClient.startChat>[0]['request'] = {}) => {
        const visitor = await VisitorClient.startChat({
          baseUrl,
          accountId,
          appKey,
          skill: 'Sales',
          visitorId: id,
          keepAliveMs: 0,
          request: extra,
          preChatSurvey: {
            surveyId: preChat.id,
            answers: { [topic!.id]: 'An order I placed', [order!.id]: 'A-1001' },
          },
        });
        const chat = await alice.acceptNext();
        assert.ok(chat !== null);
        return { visitor, chat };
      };

      const first = await chatAs(visitorId);
      await first.chat.end();
      const stranger = await chatAs(visitorId + 1);
      await stranger.chat.end();
      const second = await chatAs(visitorId, {
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
        chatReferrer: 'https://shop.example.com/pricing',
      });

      const visit = await second.chat.visit();
      assert.equal(visit.visitorId, visitorId);
      assert.equal(visit.isInCurrentChat, true);
      assert.equal(visit.ip, '127.0.0.1');
      assert.match(visit.userAgent ?? '', /Chrome\/120/);
      assert.equal(visit.referrer, 'https://shop.example.com/pricing');
      assert.deepEqual(visit.preChatSurvey, [
        { question: 'What can we help you with?', answer: 'An order I placed' },
        { question: 'Order number', answer: 'A-1001' },
      ]);
      // The earlier chat of the same visitor, not the stranger's, and not this one.
      assert.deepEqual(
        visit.previousChats.map((chat) => [chat.chatId, chat.state, chat.skillName, chat.agentName]),
        [[first.visitor.id, 'ended', 'Sales', 'Alice']],
      );
      assert.match(visit.previousChats[0]!.endTime ?? '', /^\d{4}-\d\d-\d\dT/);

      // A chat this agent does not hold is not visible through its visit id.
      await assert.rejects(alice.chat(stranger.visitor.id).visit(), { status: 404 });
      await second.chat.end();
      await alice.logout();
    });

    it('a visitor picks its chat up again by id (a reloaded page); a chat that is gone is 404', async () => {
      const { baseUrl, accountId, appKey } = fixture;
      const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
      await alice.setAvailability('Online');
      const first = await VisitorClient.startChat({ baseUrl, accountId, appKey, skill: 'Sales', keepAliveMs: 0 });
      const agentChat = await alice.acceptNext();
      await first.sendLine('before the reload');
      first.close();
      await agentChat!.sendLine('answered while the page was away');

      const again = await VisitorClient.resume({ baseUrl, accountId, appKey, chatId: first.id, keepAliveMs: 0 });
      assert.equal(again.id, first.id);
      const texts = (await again.history()).flatMap((event) =>
        event.type === 'line' && event.source !== 'system' ? [event.text] : [],
      );
      assert.deepEqual(texts, ['before the reload', 'answered while the page was away']);
      await again.sendLine('after the reload');
      assert.equal((await agentChat!.history()).at(-1)?.text, 'after the reload');
      await again.end();
      await assert.rejects(VisitorClient.resume({ baseUrl, accountId, appKey, chatId: 'H1-0K1', keepAliveMs: 0 }), {
        status: 404,
      });
      await alice.logout();
    });

    it('profile, the account’s agents, the skills a visitor can choose, the estimated wait', async () => {
      const { baseUrl, accountId, appKey } = fixture;
      assert.deepEqual(await VisitorClient.skills({ baseUrl, accountId, appKey }), [
        { name: 'Sales', isAvailable: false },
        { name: 'Support', isAvailable: false },
      ]);
      assert.equal(await VisitorClient.estimatedWaitTime({ baseUrl, accountId, appKey, skill: 'Sales' }), -1);

      const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
      const profile = await alice.profile();
      assert.deepEqual(
        [profile.id, profile.agentName, profile.displayName, profile.loginName, profile.maxChats, profile.skills],
        [2001, 'Alice', 'Alice Doe', 'alice', 3, [{ id: 1001, name: 'Sales' }]],
      );
      await alice.setAvailability('Online');
      assert.deepEqual(await VisitorClient.skills({ baseUrl, accountId, appKey }), [
        { name: 'Sales', isAvailable: true },
        { name: 'Support', isAvailable: false },
      ]);
      assert.equal(await VisitorClient.estimatedWaitTime({ baseUrl, accountId, appKey, skill: 'Sales' }), 0);

      const online = await alice.availableAgents({ chatState: 'Online' });
      assert.deepEqual(
        online.map((agent) => [agent.id, agent.loginName, agent.nickname, agent.chatState, agent.maxChats]),
        [[2001, 'alice', 'Alice', 'Online', 3]],
      );
      const everyone = await alice.availableAgents();
      assert.deepEqual(everyone.map((agent) => agent.loginName).sort(), ['alice', 'boss', 'echo-bot']);
      assert.equal(everyone.find((agent) => agent.loginName === 'boss')?.chatState, 'Offline');
      await alice.logout();
    });

    it('a waiting chat’s own estimated wait counts only the chats queued ahead of it', async () => {
      // A fresh account: the figures depend on every chat that ended in the last 30 minutes.
      const own = await startSdkServer(target);
      try {
        // Alice is full (3 of 3); two visitors queue behind her.
        const { alice, held, sales } = await busyAlice(own);
        const first = await VisitorClient.startChat(sales);
        // A second later: chats queued in one millisecond are taken in id order, not start order.
        own.server.clock.advance(1_000);
        const second = await VisitorClient.startChat(sales);
        assert.equal(await first.estimatedWaitTime('Sales'), 600);
        assert.equal(await second.estimatedWaitTime('Sales'), 1_200);
        // The account's figure is for a chat that would start now, behind both.
        assert.equal(await VisitorClient.estimatedWaitTime(sales), 1_800);
        // A server without the chat's own figure: the SDK gives the account's.
        let refusals = 0;
        const olderServer: typeof fetch = async (input, init) => {
          const url = input instanceof Request ? input.url : String(input);
          if (!/\/chat\/[^/?]+\/estimatedWaitTime/.test(url)) return fetch(input, init);
          refusals += 1;
          const body = JSON.stringify({ error: { message: 'No such resource', internalCode: 42 } });
          return new Response(body, { status: 404, headers: { 'content-type': 'application/json' } });
        };
        const viaOlder = await VisitorClient.resume({ ...sales, chatId: first.id, fetch: olderServer });
        assert.equal(await viaOlder.estimatedWaitTime('Sales'), 1_800);
        // Asked again (a waiting visitor's page asks every few seconds), it goes to the account's at once.
        assert.equal(await viaOlder.estimatedWaitTime('Sales'), 1_800);
        assert.equal(refusals, 1);

        // A slot frees: the first rings at alice (0); the second is next, and four releases now count.
        await held[0]!.end();
        assert.equal(await first.estimatedWaitTime('Sales'), 0);
        assert.equal(await second.estimatedWaitTime('Sales'), 450);
        await first.end();
        assert.equal(await first.estimatedWaitTime('Sales'), -1);
        await alice.logout();
      } finally {
        await own.close();
      }
    });
  });
}

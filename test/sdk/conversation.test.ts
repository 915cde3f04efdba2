import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, ParleyError, VisitorClient } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { collect, hasLine, isStrictlyIncreasing, startSdkServer, summary } from '../support/sdk.js';

for (const target of await databaseTargets()) {
  describe(`the SDK runs a whole conversation on ${target.name}`, { skip: target.unavailable }, () => {
    let fixture: Awaited<ReturnType<typeof startSdkServer>>;

    before(async () => {
      fixture = await startSdkServer(target);
    });
    after(() => fixture.close());

    it('visitor starts, agent accepts, lines both ways, transfer to the other skill, a second agent sees all, end', async () => {
      const { baseUrl, accountId, appKey } = fixture;
      const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
      await alice.setAvailability('Online');
      assert.equal(await alice.availability(), 'Online');
      assert.equal(await alice.acceptNext(), null, 'nothing rings yet');

      // The pre-chat survey comes before the chat; its answers go with the request.
      const preChat = await VisitorClient.preChatSurvey({ baseUrl, accountId, appKey, skill: 'Sales' });
      assert.equal(preChat.questions[0]!.label, 'What can we help you with?');
      assert.deepEqual(
        preChat.questions[0]!.entries.map((entry) => entry.value),
        ['Buying', 'An order I placed'],
      );
      assert.equal(await VisitorClient.isAvailable({ baseUrl, accountId, appKey, skill: 'Sales' }), true);
      // Nobody has Support yet: a visitor there would leave an offline message.
      assert.equal(await VisitorClient.isAvailable({ baseUrl, accountId, appKey, skill: 'Support' }), false);
      const offline = await VisitorClient.offlineSurvey({ baseUrl, accountId, appKey, skill: 'Support' });
      const [email, message] = offline.questions;
      assert.equal(email?.validationType, 'email');
      await assert.rejects(
        VisitorClient.submitOfflineSurvey({ baseUrl, accountId, appKey }, { [email!.id]: 'not an address' }),
        (error: unknown) => error instanceof ParleyError && error.status === 400 && error.code === 40,
      );
      await VisitorClient.submitOfflineSurvey(
        { baseUrl, accountId, appKey, skill: 'Support' },
        { [email!.id]: 'phil@example.com', [message!.id]: 'Call me back' },
        { surveyId: offline.id },
      );
      const visitor = await VisitorClient.startChat({
        baseUrl,
        accountId,
        appKey,
        skill: 'Sales',
        visitorName: 'Phil',
        preChatLines: ['Came from the pricing page'],
        preChatSurvey: { surveyId: preChat.id, answers: { [preChat.questions[0]!.id]: 'Buying' } },
      });
      const visitorFeed = collect(visitor.events());

      // Alice hears the ring on her session stream and accepts it.
      const aliceRings = alice.rings()[Symbol.asyncIterator]();
      const ring = await aliceRings.next();
      assert.equal(ring.done, false);
      assert.equal(ring.value?.ringingCount, 1);
      const chat = await ring.value!.accept();
      await aliceRings.return();
      assert.ok(chat !== null);
      assert.equal(chat.id, visitor.id);
      assert.deepEqual(
        (await alice.heldChats()).map((held) => held.id),
        [chat.id],
      );
      const aliceFeed = collect(chat.events());
      await aliceFeed.until((events) => events.some((event) => event.systemMessageId === 3), 'system line 3');
      assert.deepEqual(summary(aliceFeed.items), [
        'state:waiting',
        'system:4',
        'system:0',
        'state:chatting',
        'system:3',
      ]);
      assert.equal(aliceFeed.items[2]!.text, 'Came from the pricing page');
      assert.equal(await chat.visitorName(), 'Phil');
      const aliceInfo = await chat.info();
      assert.equal(aliceInfo.state, 'chatting');
      assert.equal(aliceInfo.chatId, chat.id);
      assert.equal(aliceInfo.agentName, 'Alice');

      // Lines both ways, typing, HTML.
      await visitor.setTyping(true);
      assert.equal(await chat.isVisitorTyping(), true);
      await visitor.sendLine('hello');
      await aliceFeed.until((events) => hasLine(events, 'visitor', 'hello'), 'the visitor line');
      assert.equal(aliceFeed.items.at(-1)!.by, 'Phil');
      await chat.setTyping(true);
      assert.equal(await visitor.isAgentTyping(), true);
      const lineId = await chat.sendLine('Hi Phil, how can I help?');
      await chat.sendLine('<b>We have a sale</b>', { html: true });
      await visitorFeed.until(
        (events) => events.filter((event) => event.source === 'agent').length === 2,
        'agent lines',
      );
      const agentLines = visitorFeed.items.filter((event) => event.source === 'agent');
      assert.deepEqual(
        agentLines.map((event) => [event.id, event.textType, event.text, event.by]),
        [
          [lineId, 'plain', 'Hi Phil, how can I help?', 'Alice'],
          [lineId + 1, 'html', '<b>We have a sale</b>', 'Alice'],
        ],
      );
      const visitorInfo = await visitor.info();
      assert.equal(visitorInfo.agentName, 'Alice');
      assert.equal(visitorInfo.visitorName, 'Phil');
      assert.equal(visitorInfo.skillName, 'Sales');

      // Transfer to Support: the boss holds that skill. A name with nobody online fails first.
      const boss = await AgentClient.login({ baseUrl, accountId, username: 'boss', password: 'boss-pass' });
      await boss.setAvailability('Online');
      const skills = await chat.transferSkills();
      assert.ok(
        skills.some((skill) => skill.name === 'Support' && skill.onlineAgents === 1),
        JSON.stringify(skills),
      );
      await assert.rejects(chat.transfer({ skill: 'Nobody' }), (error: unknown) => {
        assert.ok(error instanceof ParleyError);
        assert.equal(error.status, 400);
        return true;
      });
      const bossRings = boss.rings()[Symbol.asyncIterator]();
      await chat.transfer({ skill: 'Support', note: 'VIP customer, be nice' });
      // Alice's feed ends quietly: the chat is not hers any more.
      await aliceFeed.done;
      assert.equal(aliceFeed.state.error, undefined);
      await assert.rejects(chat.sendLine('still here?'), (error: unknown) => {
        assert.ok(error instanceof ParleyError);
        assert.deepEqual([error.status, error.code], [403, 43]);
        return true;
      });

      const bossRing = await bossRings.next();
      const taken = await bossRing.value!.accept();
      await bossRings.return();
      assert.equal(taken?.id, visitor.id);
      const bossFeed = collect(taken!.events());
      await bossFeed.until(
        (events) => events.filter((event) => event.systemMessageId === 3).length === 2,
        'second line 3',
      );

      // The second agent sees the whole history from event 0, the agent-only note included.
      assert.deepEqual(
        bossFeed.items.map((event) => event.id),
        bossFeed.items.map((_event, index) => index),
      );
      assert.ok(hasLine(bossFeed.items, 'visitor', 'hello'));
      assert.ok(hasLine(bossFeed.items, 'agent', 'Hi Phil, how can I help?'));
      const note = bossFeed.items.find((event) => event.text === 'VIP customer, be nice');
      assert.equal(note?.subType, 'ONLY_TO_REP');
      assert.deepEqual(summary(bossFeed.items).slice(-4), ['system:15', 'state:waiting', 'state:chatting', 'system:3']);
      assert.equal((await taken!.info()).agentName, 'Boss');

      await taken!.sendLine('Boss here.');
      const card = { type: 'vertical', elements: [{ type: 'text', text: 'Your order' }] };
      await taken!.sendRichContent(card);
      await visitorFeed.until((events) => events.some((event) => event.textType === 'rich-content'), 'the card');
      assert.ok(hasLine(visitorFeed.items, 'agent', 'Boss here.'));
      assert.deepEqual(visitorFeed.items.at(-1)?.json, card);
      await visitor.sendLine('thanks, bye');
      await bossFeed.until((events) => hasLine(events, 'visitor', 'thanks, bye'), 'the last visitor line');
      await visitor.end();
      await Promise.all([visitorFeed.done, bossFeed.done]);
      assert.equal(visitorFeed.state.error, undefined);
      assert.equal(bossFeed.state.error, undefined);

      // Both feeds ended with the end of the chat; the visitor never saw the note.
      assert.deepEqual(summary(bossFeed.items.slice(-1)), ['state:ended']);
      assert.deepEqual(summary(visitorFeed.items.slice(-1)), ['state:ended']);
      assert.ok(!visitorFeed.items.some((event) => event.text === 'VIP customer, be nice'));
      assert.ok(isStrictlyIncreasing(visitorFeed.items));
      assert.deepEqual(
        visitorFeed.items,
        bossFeed.items.filter((event) => event.subType !== 'ONLY_TO_REP'),
        'the visitor sees what the agent sees, the note aside',
      );
      assert.deepEqual(await visitor.history(), visitorFeed.items);

      // After the end: exit survey, agent survey.
      const exit = await visitor.exitSurvey();
      assert.equal(exit.questions[0]!.type, 'Radio Button');
      await visitor.submitExitSurvey({ [exit.questions[0]!.id]: 'yes' }, { surveyId: exit.id });
      const agentSurvey = await taken!.survey();
      await assert.rejects(taken!.submitSurvey({}), (error: unknown) => {
        assert.ok(error instanceof ParleyError);
        assert.deepEqual([error.status, error.code], [400, 40]);
        return true;
      });
      await taken!.submitSurvey({ [agentSurvey.questions[0]!.id]: 'Sale' }, { surveyId: agentSurvey.id });

      await alice.logout();
      await boss.logout();
      visitor.close();
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  agentClient,
  assertJsonError,
  ok,
  visitorClient,
  type AgentSessionClient,
  type WireEvent,
} from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

// Shared chats over HTTP (docs/SHARED-CHATS.md): a bot listening automatically, an invited
// assistant, a supervisor who listens and takes over; what the visitor sees and never sees.

const SUP = 2010;
const HELPER = 2011;

/** An account with alice (agent, Sales), sup (manager of Sales), helper (agent) and tipbot (listens to all). */
async function sharedAccount(server: TestServer) {
  const { accountId, seed } = accountSeed();
  const account = seed.accounts[0]!;
  const extra = [
    {
      id: SUP,
      loginName: 'sup',
      password: 'sup-pass',
      nickname: 'Sup',
      skills: ['Sales'],
      role: 'manager',
      maxChats: 0,
    },
    { id: HELPER, loginName: 'helper', password: 'helper-pass', nickname: 'Helper', skills: ['Support'], maxChats: 0 },
    { id: 2012, loginName: 'tipbot', password: 'tipbot-pass', nickname: 'TipBot', maxChats: 0, listen: 'all' },
  ];
  await applySeed(server.core, { accounts: [{ ...account, users: [...account.users, ...extra] }] });
  const agents = agentClient(server.baseUrl, accountId);
  return {
    accountId,
    signIn: async (name: string) => (await agents.signIn(name, `${name}-pass`)).session,
    visitor: visitorClient(server.baseUrl, accountId, account.appKeys[0]!),
  };
}

const lines = (events: WireEvent[]) =>
  events.filter((event) => event['@type'] === 'line').map((event) => `${String(event.by)}: ${String(event.text)}`);

async function post(session: AgentSessionClient, chatId: string, event: Record<string, unknown>) {
  return session.request('POST', `/chat/${chatId}/events`, { event: { '@type': 'line', ...event } });
}

for (const target of await databaseTargets()) {
  describe(`shared chats on ${target.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(target);
    });
    after(async () => {
      await server?.close();
    });

    it('a listener joined automatically tips the holder; an invited assistant talks to the visitor; a supervisor takes over', async () => {
      const { signIn, visitor } = await sharedAccount(server);
      const tipbot = await signIn('tipbot');
      const auto = ok<{ autoListen: { skills: string } }>(
        await tipbot.put('/autoListen', { autoListen: { skills: 'all' } }),
      );
      assert.equal(auto.autoListen.skills, 'all');

      const alice = await signIn('alice');
      const chatId = await visitor.start({ skill: 'Sales', interactionTimeout: 86_400 });
      assert.equal(await alice.accept(), chatId);
      await visitor.say(chatId, 'Where is my order 12345?');

      // The bot was in the chat from its start: it reads every event, agent-only ones included.
      const seenByBot = await tipbot.events(chatId);
      assert.deepEqual(lines(seenByBot).slice(-2), [
        'info: You are now chatting with Alice.',
        'You: Where is my order 12345?',
      ]);
      assert.equal(seenByBot.find((event) => event['@type'] === 'participant')?.action, 'joined');

      // A listener whispers only.
      assertJsonError(await post(tipbot, chatId, { text: 'Hello visitor' }), 403, 43);
      const tip = await post(tipbot, chatId, {
        text: 'Order 12345 shipped yesterday',
        subType: 'ONLY_TO_REP',
        suggestedReply: 'Your order 12345 shipped yesterday.',
      });
      assert.equal(tip.status, 201, tip.text);
      const forAlice = (await alice.events(chatId)).find((event) => event.text === 'Order 12345 shipped yesterday');
      assert.equal(forAlice?.suggestedReply, 'Your order 12345 shipped yesterday.');
      assert.equal(forAlice?.participantRole, 'listener');
      assert.equal(forAlice?.by, 'TipBot');

      // The holder invites helper, who accepts and talks to the visitor under its own name.
      const helper = await signIn('helper');
      const invited = await alice.request('POST', `/chat/${chatId}/invitations`, { invitation: { agentId: HELPER } });
      assert.equal(invited.status, 201, invited.text);
      const open = ok<{ invitations: { invitation: { id: string; chatId: string }[] } }>(
        await helper.request('GET', '/invitations'),
      ).invitations.invitation;
      assert.equal(open.length, 1);
      assert.equal(open[0]!.chatId, chatId);
      const accepted = await helper.request('POST', `/invitations/${open[0]!.id}`, { response: 'accept' });
      assert.equal(accepted.status, 201, accepted.text);
      ok(await post(helper, chatId, { text: 'Hi, I can help with orders.' }), 201);
      assert.equal((await helper.request('DELETE', `/chat/${chatId}/participants/${helper.id}`)).status, 204);
      assertJsonError(await post(helper, chatId, { text: 'still here?' }), 403, 43);

      // A supervisor finds the chat, listens, and takes it over.
      const sup = await signIn('sup');
      const live = ok<{ liveChats: { chat: { chatId: string; agentName: string }[] } }>(
        await sup.request('GET', '/liveChats'),
      ).liveChats.chat;
      assert.deepEqual(
        live.map((chat) => [chat.chatId, chat.agentName]),
        [[chatId, 'Alice']],
      );
      ok(await sup.request('POST', `/chat/${chatId}/participants`, { participant: { role: 'listener' } }), 201);
      ok(await sup.request('POST', `/chat/${chatId}/takeOver`, {}), 200);
      assertJsonError(await post(alice, chatId, { text: 'mine?' }), 403, 43);
      ok(await post(sup, chatId, { text: 'Sup here.' }), 201);

      // The visitor saw the assistant and the new agent, never a listener, a tip or a participant event.
      const seenByVisitor = await visitor.events(chatId);
      assert.deepEqual(lines(seenByVisitor).slice(-7), [
        'You: Where is my order 12345?',
        'info: Helper has joined the chat.',
        'Helper: Hi, I can help with orders.',
        'info: Helper has left the chat.',
        'info: You are being transferred to another agent.',
        'info: You are now chatting with Sup.',
        'Sup: Sup here.',
      ]);
      assert.ok(seenByVisitor.every((event) => event['@type'] !== 'participant' && event.subType !== 'ONLY_TO_REP'));
      assert.ok(!JSON.stringify(seenByVisitor).includes('TipBot'));
    });
  });
}

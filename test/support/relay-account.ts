import assert from 'node:assert/strict';
import { agentClient, visitorClient } from './chat-clients.js';
import { accountSeed, applySeed, type TestServer } from './test-server.js';

/** A user that takes any number of chats, with a password so it signs in like the sample bot. */
export const relayBot = {
  id: 2004,
  loginName: 'relay-bot',
  password: 'relay-pass',
  nickname: 'Relay',
  skills: ['Sales'],
  maxChats: -1,
};

/** A fresh account whose relay bot is signed in (Online), so every test has its own chats and rings. */
export async function relayAccount(server: TestServer) {
  const { accountId, seed } = accountSeed();
  const account = seed.accounts[0]!;
  await applySeed(server.core, { accounts: [{ ...account, users: [...account.users, relayBot] }] });
  const appKey = account.appKeys[0]!;
  const visitor = visitorClient(server.baseUrl, accountId, appKey);
  const agents = agentClient(server.baseUrl, accountId);
  const { session } = await agents.signIn(relayBot.loginName, relayBot.password);
  const bot = await server.store.users.get(accountId, relayBot.id);
  assert.ok(bot !== undefined);

  /** A chat the relay bot has accepted: events 0–3 (waiting, line 4, chatting, line 3), next 4. */
  async function chatting(): Promise<string> {
    const chatId = await visitor.start({ skill: 'Sales' });
    assert.equal(await session.accept(), chatId);
    return chatId;
  }

  return { accountId, appKey, visitor, agents, session, bot, chatting };
}

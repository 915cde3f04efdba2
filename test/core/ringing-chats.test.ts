import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { Core } from '../../src/core/create-core.js';
import type { AgentSession } from '../../src/core/chats/chat-model.js';
import { DEFAULT_INTERACTION_TIMEOUT_SECONDS, type ChatRequest } from '../../src/core/chats/chat-request.js';
import { openStore, type OpenedStore } from '../../src/store/open-store.js';
import { databaseTargets } from '../support/databases.js';
import { createTestCore } from '../support/test-core.js';
import { accountSeed, applySeed } from '../support/test-server.js';

const ALICE = 2001;
const BOSS = 2002;
const origin = { ip: '203.0.113.9', userAgent: 'test' };

for (const target of await databaseTargets()) {
  describe(`the router describes the chats ringing at an agent on ${target.name}`, { skip: target.unavailable }, () => {
    let opened: OpenedStore;
    let drop: () => Promise<void>;
    let core: Core;
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 9, 30, 0));

    before(async () => {
      const database = await target.create();
      drop = database.drop;
      opened = openStore(database.location, { poolSize: 2 });
      await opened.migrate();
      core = createTestCore(opened.store, clock);
    });
    after(async () => {
      await opened.store.close();
      await drop();
    });

    /** A seeded account (Sales and Support; Alice has Sales, Boss Support) with these users Online. */
    async function accountWithOnline(...userIds: number[]) {
      const { accountId, seed } = accountSeed();
      await applySeed(core, seed);
      const sessions = new Map<number, AgentSession>();
      for (const userId of userIds) {
        const now = clock.now();
        const session: AgentSession = {
          accountId,
          id: String(100_000 + userId),
          userId,
          loginSessionId: null,
          availability: 'Online',
          createdAt: now,
          lastRequestAt: now,
          endedAt: null,
          idleDueAt: null,
          availabilitySince: now,
        };
        await opened.store.agentSessions.save(session);
        sessions.set(userId, session);
      }
      const start = async (request: Partial<ChatRequest>) =>
        (
          await core.chats.start.start(
            accountId,
            {
              preChatLines: [],
              interactionTimeout: DEFAULT_INTERACTION_TIMEOUT_SECONDS,
              echo: {},
              customVariables: [],
              ...request,
            },
            origin,
          )
        ).id;
      return { accountId, sessions, start };
    }

    it('gives skill, visitor name and waiting time, oldest first, in the order accept takes them', async () => {
      const { accountId, sessions, start } = await accountWithOnline(ALICE);
      const firstAt = clock.now();
      const first = await start({ skill: 'Sales' });
      await core.chats.visitor.setVisitorName(accountId, first, 'Phil');
      clock.advance(30_000);
      const secondAt = clock.now();
      // Two chats in the same millisecond still have one order, the one accept follows.
      const second = await start({});
      const third = await start({ skill: 'Sales' });

      const ringing = await core.agents.router.ringing(accountId, ALICE);
      const byId = new Map(ringing.map(({ chatId, ...shown }) => [chatId, shown]));
      // The two later chats are tied in time: the store orders them by id (in its own collation).
      assert.equal(ringing[0]?.chatId, first);
      assert.deepEqual(
        ringing
          .map((chat) => chat.chatId)
          .slice(1)
          .sort(),
        [second, third].sort(),
      );
      assert.deepEqual(byId.get(first), { skill: 'Sales', visitorName: 'Phil', waitingSince: firstAt });
      assert.deepEqual(byId.get(second), { skill: null, visitorName: null, waitingSince: secondAt });
      assert.deepEqual(byId.get(third), { skill: 'Sales', visitorName: null, waitingSince: secondAt });
      assert.equal(await core.agents.router.ringingCount(accountId, ALICE), 3);

      const alice = (await opened.store.users.get(accountId, ALICE))!;
      for (const expected of ringing) {
        const accepted = await core.agents.router.accept(accountId, sessions.get(ALICE)!, alice);
        assert.equal(accepted.id, expected.chatId);
      }
      assert.deepEqual(await core.agents.router.ringing(accountId, ALICE), []);
    });

    it('dates a transferred chat from its transfer and lists it only at the agent it rings', async () => {
      const { accountId, sessions, start } = await accountWithOnline(ALICE, BOSS);
      const startedAt = clock.now();
      const chatId = await start({ skill: 'Sales' });
      const alice = (await opened.store.users.get(accountId, ALICE))!;
      await core.agents.router.accept(accountId, sessions.get(ALICE)!, alice);
      clock.advance(60_000);
      const transferredAt = clock.now();
      await core.agents.chats.transfer(sessions.get(ALICE)!, chatId, {
        target: { kind: 'skill', skillId: '1002' },
        note: '',
      });

      assert.deepEqual(await core.agents.router.ringing(accountId, ALICE), []);
      assert.deepEqual(await core.agents.router.ringing(accountId, BOSS), [
        { chatId, skill: 'Support', visitorName: null, waitingSince: transferredAt },
      ]);
      assert.notEqual(transferredAt, startedAt);
    });

    it('never lists a chat of another account, though its agent has the same user id', async () => {
      const mine = await accountWithOnline(ALICE);
      const theirs = await accountWithOnline(ALICE);
      const theirChat = await theirs.start({ skill: 'Sales' });
      await core.chats.visitor.setVisitorName(theirs.accountId, theirChat, 'Eve');

      assert.deepEqual(await core.agents.router.ringing(mine.accountId, ALICE), []);
      assert.deepEqual(
        (await core.agents.router.ringing(theirs.accountId, ALICE)).map((chat) => [chat.chatId, chat.visitorName]),
        [[theirChat, 'Eve']],
      );
    });
  });
}

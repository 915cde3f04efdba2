import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AgentSession, Chat, ChatTouch } from '../../src/core/chats/chat-model.js';
import type { Store } from '../../src/core/ports.js';
import { sampleChat } from '../support/chat-fixture.js';
import { contractStore } from '../support/contract-store.js';
import { databaseTargets } from '../support/databases.js';
import { anAccount, aUser, FIXTURE_TIME } from '../support/store-fixtures.js';

/**
 * The Store port's contract for recording requests on chats (ChatRepository.touch), on every
 * database target: touches are written late, in batches and in any order (touch-buffer.ts), so
 * a touch never moves a time back, and moves each deadline only in the state it belongs to.
 */

const T0 = FIXTURE_TIME;
const SECOND = 1_000;

let sequence = 0;

for (const target of await databaseTargets()) {
  describe(`Store contract for chat touches on ${target.name}`, { skip: target.unavailable }, () => {
    const subject = contractStore(target, { sweepBatchSize: 1_000 });
    let store: Store;
    before(() => {
      store = subject.store;
    });

    /** A new account with chats made from `overrides` (ids chat-0, chat-1, …). */
    async function givenChats(...overrides: Partial<Chat>[]): Promise<{ accountId: string; chatIds: string[] }> {
      const accountId = `touch-${++sequence}`;
      await store.accounts.save(anAccount(accountId));
      const chatIds = overrides.map((_, index) => `chat-${index}`);
      for (const [index, override] of overrides.entries()) {
        await store.chats.create(
          sampleChat({ accountId, id: chatIds[index], lastUpdate: T0, endedAt: null, ...override }),
          [],
        );
      }
      return { accountId, chatIds };
    }

    const times = async (accountId: string, chatId: string) => {
      const chat = await store.chats.get(accountId, chatId);
      assert.ok(chat !== undefined);
      return { lastUpdate: chat.lastUpdate, idleDueAt: chat.idleDueAt, retainUntil: chat.retainUntil };
    };

    it('moves lastUpdate and the idle deadline of a live chat forward, and never back', async () => {
      const { accountId, chatIds } = await givenChats({ state: 'chatting', idleDueAt: T0 + 60 * SECOND });
      const [chatId] = chatIds as [string];
      const touch = (at: number, idleDueAt: number): ChatTouch => ({
        accountId,
        chatId,
        at,
        idleDueAt,
        retainUntil: null,
      });
      await store.chats.touch([touch(T0 + 10 * SECOND, T0 + 70 * SECOND)]);
      assert.deepEqual(await times(accountId, chatId), {
        lastUpdate: T0 + 10 * SECOND,
        idleDueAt: T0 + 70 * SECOND,
        retainUntil: null,
      });
      // An older touch written late (another node's, or one kept through a failed flush).
      await store.chats.touch([touch(T0 + 5 * SECOND, T0 + 65 * SECOND)]);
      assert.deepEqual(await times(accountId, chatId), {
        lastUpdate: T0 + 10 * SECOND,
        idleDueAt: T0 + 70 * SECOND,
        retainUntil: null,
      });
    });

    it('leaves the idle deadline of an ended chat and the retention of a live one alone', async () => {
      const { accountId, chatIds } = await givenChats(
        { state: 'ended', idleDueAt: null, retainUntil: T0 + 1_800 * SECOND },
        { state: 'waiting', idleDueAt: T0 + 60 * SECOND, retainUntil: null },
      );
      const [ended, live] = chatIds as [string, string];
      await store.chats.touch([
        // Recorded while the chat was live, written after it ended.
        { accountId, chatId: ended, at: T0 + 20 * SECOND, idleDueAt: T0 + 80 * SECOND, retainUntil: null },
        { accountId, chatId: live, at: T0 + 20 * SECOND, idleDueAt: null, retainUntil: T0 + 9_000 * SECOND },
      ]);
      assert.deepEqual(await times(accountId, ended), {
        lastUpdate: T0 + 20 * SECOND,
        idleDueAt: null,
        retainUntil: T0 + 1_800 * SECOND,
      });
      assert.deepEqual(await times(accountId, live), {
        lastUpdate: T0 + 20 * SECOND,
        idleDueAt: T0 + 60 * SECOND,
        retainUntil: null,
      });
      await store.chats.touch([
        { accountId, chatId: ended, at: T0 + 30 * SECOND, idleDueAt: null, retainUntil: T0 + 1_830 * SECOND },
      ]);
      assert.equal((await times(accountId, ended)).retainUntil, T0 + 1_830 * SECOND);
    });

    it('writes a batch larger than one statement takes, and ignores chats that are gone', async () => {
      const count = 1_203;
      const { accountId, chatIds } = await givenChats(
        ...Array.from({ length: count }, () => ({ state: 'chatting' as const, idleDueAt: T0 + 60 * SECOND })),
      );
      await store.chats.touch([
        ...chatIds.map((chatId, index) => ({
          accountId,
          chatId,
          at: T0 + index,
          idleDueAt: T0 + 60 * SECOND + index,
          retainUntil: null,
        })),
        { accountId, chatId: 'no-such-chat', at: T0 + SECOND, idleDueAt: T0 + 90 * SECOND, retainUntil: null },
      ]);
      for (const [index, chatId] of chatIds.entries()) {
        assert.deepEqual(await times(accountId, chatId), {
          lastUpdate: T0 + index,
          idleDueAt: T0 + 60 * SECOND + index,
          retainUntil: null,
        });
      }
      assert.equal(await store.chats.get(accountId, 'no-such-chat'), undefined);
    });

    it('writes batches of any size with a few statement texts, each prepared once', async () => {
      const { accountId, chatIds } = await givenChats(
        ...Array.from({ length: 40 }, () => ({ state: 'chatting' as const, idleDueAt: T0 + 60 * SECOND })),
      );
      subject.texts.clear();
      for (let size = 1; size <= chatIds.length; size += 1) {
        await store.chats.touch(
          chatIds.slice(0, size).map((chatId) => ({
            accountId,
            chatId,
            at: T0 + size,
            idleDueAt: T0 + 60 * SECOND + size,
            retainUntil: null,
          })),
        );
      }
      const touchTexts = [...subject.texts].filter((text) => /update\s+chats\s+set/.test(text));
      // 40 batch sizes, written as statements of 32, 8, 2 and 1 rows.
      assert.ok(touchTexts.length <= 4, `${touchTexts.length} statement texts`);
      for (const chatId of chatIds) assert.equal((await times(accountId, chatId)).lastUpdate, T0 + chatIds.length);
    });

    it('moves the last request and idle deadline of live sessions forward, never back, and leaves ended ones', async () => {
      const { accountId } = await givenChats();
      await store.users.save(aUser(accountId, 1));
      const session = (id: string, endedAt: number | null): AgentSession => ({
        accountId,
        id,
        userId: 1,
        loginSessionId: null,
        availability: 'Online',
        createdAt: T0,
        lastRequestAt: T0,
        endedAt,
        idleDueAt: T0 + 400 * SECOND,
        availabilitySince: T0,
      });
      await store.agentSessions.save(session('live', null));
      await store.agentSessions.save(session('ended', T0 + SECOND));
      await store.agentSessions.touchMany([
        { accountId, sessionId: 'live', at: T0 + 20 * SECOND, idleDueAt: T0 + 420 * SECOND },
        { accountId, sessionId: 'ended', at: T0 + 20 * SECOND, idleDueAt: T0 + 420 * SECOND },
      ]);
      await store.agentSessions.touchMany([
        { accountId, sessionId: 'live', at: T0 + 10 * SECOND, idleDueAt: T0 + 410 * SECOND },
      ]);
      const live = await store.agentSessions.get(accountId, 'live');
      assert.deepEqual([live?.lastRequestAt, live?.idleDueAt], [T0 + 20 * SECOND, T0 + 420 * SECOND]);
      const ended = await store.agentSessions.get(accountId, 'ended');
      assert.deepEqual([ended?.lastRequestAt, ended?.idleDueAt], [T0, T0 + 400 * SECOND]);
    });
  });
}

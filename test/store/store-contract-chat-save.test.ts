import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LineSource, type Chat, type ChatEvent } from '../../src/core/chats/chat-model.js';
import type { Store } from '../../src/core/ports.js';
import { sampleChat } from '../support/chat-fixture.js';
import { contractStore } from '../support/contract-store.js';
import { databaseTargets } from '../support/databases.js';
import { anAccount, FIXTURE_TIME } from '../support/store-fixtures.js';

/**
 * The Store port's contract for saving a chat (ChatRepository.save), on every database target:
 * without the chat as read, every field is written; with it, only the fields that differ, and
 * the rest of the row is left as it is stored.
 */

const T0 = FIXTURE_TIME;
const SECOND = 1_000;

let sequence = 0;

for (const target of await databaseTargets()) {
  describe(`Store contract for saving chats on ${target.name}`, { skip: target.unavailable }, () => {
    const subject = contractStore(target, { sweepBatchSize: 1_000 });
    let store: Store;
    before(() => {
      store = subject.store;
    });

    /** A live chat, stored, in an account of its own. */
    async function givenChat(): Promise<Chat> {
      const accountId = `save-${++sequence}`;
      await store.accounts.save(anAccount(accountId));
      const chat = sampleChat({
        accountId,
        id: 'chat-0',
        state: 'chatting',
        lastUpdate: T0,
        endedAt: null,
        idleDueAt: T0 + 600 * SECOND,
        nextEventId: 1,
      });
      await store.chats.create(chat, []);
      return chat;
    }

    const line = (id: number, text: string): ChatEvent => ({
      id,
      type: 'line',
      time: T0 + id * SECOND,
      textType: 'plain',
      text,
      by: 'Alice',
      source: LineSource.VISITOR,
    });

    it('writes every field of the chat when not told what was read', async () => {
      const stored = await givenChat();
      const changed: Chat = {
        ...stored,
        lastUpdate: T0 + 5 * SECOND,
        idleDueAt: T0 + 605 * SECOND,
        agentTyping: true,
        customVariables: [{ name: 'plan', value: 'gold' }],
        nextEventId: 2,
      };
      await store.chats.save(changed, [line(1, 'hello')]);
      assert.deepEqual(await store.chats.get(stored.accountId, stored.id), changed);
      const events = await store.chats.events(stored.accountId, stored.id, 0);
      assert.deepEqual(
        events.map((event) => event.text),
        ['hello'],
      );
    });

    it('writes only the fields that differ from the chat as read, and leaves the others as stored', async () => {
      const read = await givenChat();
      // Moved in the store after `read` was taken: a save told of `read` must not put it back.
      await store.chats.touch([
        {
          accountId: read.accountId,
          chatId: read.id,
          at: T0 + 9 * SECOND,
          idleDueAt: T0 + 609 * SECOND,
          retainUntil: null,
        },
      ]);
      const changed: Chat = { ...read, agentTyping: true, agentName: 'Carol', nextEventId: 2 };
      await store.chats.save(changed, [line(1, 'hi')], read);
      assert.deepEqual(await store.chats.get(read.accountId, read.id), {
        ...changed,
        lastUpdate: T0 + 9 * SECOND,
        idleDueAt: T0 + 609 * SECOND,
      });
      const events = await store.chats.events(read.accountId, read.id, 0);
      assert.deepEqual(
        events.map((event) => [event.id, event.text]),
        [[1, 'hi']],
      );
    });

    it('writes a field set back to null, and appends events to a chat whose fields did not change', async () => {
      const read = await givenChat();
      const changed: Chat = { ...read, idleDueAt: null, customVariables: [{ name: 'a', value: 'b' }] };
      await store.chats.save(changed, [], read);
      assert.deepEqual(await store.chats.get(read.accountId, read.id), changed);
      await store.chats.save(changed, [line(1, 'one'), line(2, 'two')], changed);
      assert.deepEqual(await store.chats.get(read.accountId, read.id), changed);
      const events = await store.chats.events(read.accountId, read.id, 0);
      assert.deepEqual(
        events.map((event) => event.text),
        ['one', 'two'],
      );
    });
  });
}

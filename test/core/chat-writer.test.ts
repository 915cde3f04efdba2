import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { stateEvent } from '../../src/core/chats/chat-events.js';
import type { Chat } from '../../src/core/chats/chat-model.js';
import { createChatWriter } from '../../src/core/chats/chat-writer.js';
import { defaultAccountSettings } from '../../src/core/model.js';
import type { DomainEvent, Store } from '../../src/core/ports.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import { openStore } from '../../src/store/open-store.js';
import { SAMPLE_CHAT_START, sampleChat } from '../support/chat-fixture.js';
import { databaseTargets } from '../support/databases.js';
import { newAccountId } from '../support/test-server.js';

type ChatChanged = Extract<DomainEvent, { type: 'chat.changed' }>;

for (const target of await databaseTargets()) {
  describe(`the chat writer announces on commit, on ${target.name}`, { skip: target.unavailable }, () => {
    let store: Store;
    let drop: () => Promise<void> = async () => undefined;
    const clock = new ManualClock(SAMPLE_CHAT_START);
    const bus = createMemoryEventBus();
    const writer = () => createChatWriter({ store, clock, bus });

    before(async () => {
      const database = await target.create();
      drop = database.drop;
      const opened = openStore(database.location, { poolSize: 2 });
      await opened.migrate();
      store = opened.store;
    });
    after(async () => {
      await store?.close();
      await drop();
    });

    /** Every chat.changed published from now on, each with the chat as the store had it then. */
    function recordAnnouncements() {
      const seen: { event: ChatChanged; stored: Promise<Chat | undefined> }[] = [];
      const stop = bus.subscribe('chat.changed', (event) => {
        // Read outside any transaction: only what has committed can be found.
        seen.push({ event, stored: store.chats.get(event.chat.accountId, event.chat.id) });
      });
      return { seen, stop };
    }

    /** A waiting chat in an account of its own. */
    async function givenWaitingChat(): Promise<Chat> {
      const accountId = newAccountId();
      await store.accounts.save({
        id: accountId,
        name: accountId,
        appKeys: [],
        settings: defaultAccountSettings,
        surveys: {},
        createdAt: 0,
        updatedAt: 0,
      });
      const chat = sampleChat({ accountId, id: `writer-${accountId}`, state: 'waiting', endedAt: null });
      const created = await store.transaction((tx) =>
        writer().createWithin(tx, chat, [stateEvent('waiting', SAMPLE_CHAT_START)]),
      );
      return created.chat;
    }

    it('announces a new chat and a change once each has committed, with what was committed', async () => {
      const { seen, stop } = recordAnnouncements();
      try {
        const chat = await givenWaitingChat();
        const changed = await writer().change(chat.accountId, chat.id, (current) => ({
          chat: { ...current, visitorName: 'Carol' },
          events: [],
        }));
        assert.deepEqual(
          seen.map(({ event }) => event.chat.visitorName),
          ['Alice', 'Carol'],
        );
        assert.deepEqual(
          seen[0]?.event.events.map((event) => event.id),
          [0],
        );
        assert.deepEqual(seen[1]?.event, { type: 'chat.changed', chat: changed.chat, events: [] });
        // When each was announced, the store already held it.
        assert.deepEqual(await seen[0]?.stored, chat);
        assert.deepEqual(await seen[1]?.stored, changed.chat);
      } finally {
        stop();
      }
    });

    it('announces nothing for a change whose transaction rolls back', async () => {
      const chat = await givenWaitingChat();
      const { seen, stop } = recordAnnouncements();
      const failure = new Error('a later step failed');
      try {
        await assert.rejects(
          store.transaction(async (tx) => {
            await writer().changeWithin(tx, chat.accountId, chat.id, (current) => ({
              chat: { ...current, visitorName: 'Dave' },
              events: [stateEvent('chatting', SAMPLE_CHAT_START)],
            }));
            assert.equal(seen.length, 0, 'nothing is announced before the commit');
            throw failure;
          }),
          (error) => error === failure,
        );
        assert.equal(seen.length, 0);
        assert.deepEqual(await store.chats.get(chat.accountId, chat.id), chat);
      } finally {
        stop();
      }
    });

    it('announces every change of one transaction once it commits, in the order they were made', async () => {
      const first = await givenWaitingChat();
      const second = await givenWaitingChat();
      const { seen, stop } = recordAnnouncements();
      try {
        await store.transaction(async (tx) => {
          for (const chat of [first, second]) {
            await writer().changeWithin(tx, chat.accountId, chat.id, (current) => ({
              chat: { ...current, ringingUserId: 7 },
              events: [],
            }));
          }
          assert.equal(seen.length, 0, 'nothing is announced before the commit');
        });
        assert.deepEqual(
          seen.map(({ event }) => event.chat.id),
          [first.id, second.id],
        );
      } finally {
        stop();
      }
    });
  });
}

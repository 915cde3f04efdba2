import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createChatHeads, RECENT_EVENTS, type ChatHeads } from '../../src/core/chats/chat-heads.js';
import type { Chat, ChatEvent } from '../../src/core/chats/chat-model.js';
import { createSubscriberTable } from '../../src/memory/subscriber-table.js';
import { sampleChat } from '../support/chat-fixture.js';

const live = (nextEventId: number, overrides: Partial<Chat> = {}) =>
  sampleChat({ state: 'chatting', nextEventId, ...overrides });

/** Lines with the ids from `from` up to `to` (excluded). */
const lines = (from: number, to: number): ChatEvent[] =>
  Array.from({ length: to - from }, (_, n) => ({ id: from + n, type: 'line', time: 0, text: `line ${from + n}` }));

/** The head for the first read of a held long-poll asking for what comes next, if `accept` takes it. */
const useHead = (kept: ChatHeads, accountId: string, chatId: string, accept: (head: Chat) => boolean) =>
  kept.known(accountId, chatId, Number.MAX_SAFE_INTEGER, true, accept)?.head;

/** Heads over a bus that can say it resumed (as Redis's does) and a store whose version the test moves. */
function heads({
  maxEntries,
  exact,
  maxRecentTotal,
}: { maxEntries?: number; exact?: boolean; maxRecentTotal?: number } = {}) {
  const subscribers = createSubscriberTable(() => undefined);
  const bus = {
    publish: subscribers.deliver,
    subscribe: subscribers.subscribe,
    resume: () => subscribers.deliver({ type: 'bus.resumed' }),
  };
  const store = { version: 1 as number | undefined };
  const kept = createChatHeads({
    bus,
    store: { externalVersion: () => store.version },
    ...(maxEntries === undefined ? {} : { maxEntries }),
    ...(exact === undefined ? {} : { exact }),
    ...(maxRecentTotal === undefined ? {} : { maxRecentTotal }),
  });
  const announce = (chat: Chat, events: ChatEvent[] = []) => bus.publish({ type: 'chat.changed', chat, events });
  const head = (chat: Chat = live(0)) => useHead(kept, chat.accountId, chat.id, () => true);
  return { bus, store, kept, announce, head };
}

describe("what a node keeps of each live chat's newest state", () => {
  it('keeps the newest head the bus carries: never fewer events, an equal count replaces, an ended chat goes', () => {
    const { kept, announce, head } = heads();
    announce(live(5));
    assert.equal(head()?.nextEventId, 5);
    // Another node's older change arriving late moves nothing back.
    announce(live(4, { agentName: 'late' }));
    assert.equal(head()?.agentName, 'Bob');
    // A change without events (a take-over) replaces what is kept.
    announce(live(5, { agentSessionId: 'taken' }));
    assert.equal(head()?.agentSessionId, 'taken');
    announce(live(6, { state: 'ended' }));
    assert.equal(head(), undefined);
    assert.equal(kept.size, 0);
  });

  it('keeps a store read only over nothing newer, and not when everything was dropped while it ran', () => {
    const { bus, kept, announce, head } = heads();
    let mark = kept.mark();
    kept.remember(live(3), mark);
    assert.equal(head()?.nextEventId, 3);
    // A change the bus brought while the read ran is newer than what the read found.
    mark = kept.mark();
    announce(live(5, { agentName: 'from the bus' }));
    kept.remember(live(5, { agentName: 'from the store' }), mark);
    assert.equal(head()?.agentName, 'from the bus');
    // The bus resumed after a break while the read ran: nothing is kept, the read neither.
    mark = kept.mark();
    bus.resume();
    assert.equal(head(), undefined);
    kept.remember(live(7), mark);
    assert.equal(head(), undefined);
    assert.equal(kept.size, 0);
  });

  it('drops everything when another process wrote, and keeps nothing while the store cannot tell', () => {
    const { store, kept, announce, head } = heads();
    announce(live(2));
    assert.equal(head()?.nextEventId, 2);
    const mark = kept.mark();
    store.version = 2;
    assert.equal(head(), undefined);
    kept.remember(live(2), mark);
    assert.equal(head(), undefined, 'a read begun before the other process wrote is not kept');
    announce(live(3));
    assert.equal(head()?.nextEventId, 3);
    store.version = undefined;
    assert.equal(head(), undefined);
    kept.remember(live(4), kept.mark());
    store.version = 3;
    assert.equal(head(), undefined);
  });

  it('gives a head only when the caller accepts it, and counts the waits begun on one', () => {
    const { kept, announce } = heads();
    const chat = live(4);
    announce(chat);
    assert.equal(
      useHead(kept, chat.accountId, chat.id, (head) => head.nextEventId <= 3),
      undefined,
    );
    assert.equal(kept.used, 0);
    assert.equal(useHead(kept, chat.accountId, chat.id, (head) => head.nextEventId <= 4)?.nextEventId, 4);
    assert.equal(
      useHead(kept, chat.accountId, 'another chat', () => true),
      undefined,
    );
    assert.equal(kept.used, 1);
  });

  it('keeps at most its bound, the longest unchanged going first', () => {
    const { kept, announce } = heads({ maxEntries: 2 });
    const chat = (id: string, nextEventId: number) => live(nextEventId, { id });
    announce(chat('a', 1));
    announce(chat('b', 1));
    announce(chat('a', 2));
    announce(chat('c', 1));
    assert.equal(kept.size, 2);
    assert.equal(
      useHead(kept, '12345678', 'b', () => true),
      undefined,
    );
    assert.equal(useHead(kept, '12345678', 'a', () => true)?.nextEventId, 2);
    assert.equal(useHead(kept, '12345678', 'c', () => true)?.nextEventId, 1);
  });

  it('gives a head, with several nodes, only to the first read of a held long-poll with nothing new; on one node to any read', () => {
    const chat = live(4);
    const several = heads();
    several.announce(chat);
    assert.equal(
      several.kept.known(chat.accountId, chat.id, 4, false, () => true),
      undefined,
      'a plain poll',
    );
    assert.equal(
      several.kept.known(chat.accountId, chat.id, 3, true, () => true),
      undefined,
      'something new',
    );
    assert.deepEqual(several.kept.known(chat.accountId, chat.id, 4, true, () => true)?.events, []);
    const one = heads({ exact: true });
    one.announce(chat, [{ id: 3, type: 'line', time: 0, text: 'three' }]);
    assert.deepEqual(one.kept.known(chat.accountId, chat.id, 4, false, () => true)?.events, []);
    assert.deepEqual(
      one.kept.known(chat.accountId, chat.id, 3, false, () => true)?.events?.map((event) => event.id),
      [3],
    );
  });

  it("keeps a chat's newest events with its head, and answers from them only without a gap", () => {
    const { kept, announce } = heads({ exact: true });
    const recent = (from: number) => kept.known(live(0).accountId, live(0).id, from, false, () => true)?.events;
    const ids = (from: number) => recent(from)?.map((event) => event.id);
    // Read from the store: the head alone, no events known before it.
    kept.remember(live(3), kept.mark());
    assert.deepEqual(ids(3), []);
    assert.equal(recent(2), undefined);
    // Changes that follow it add their events.
    announce(live(4), lines(3, 4));
    announce(live(6), lines(4, 6));
    assert.deepEqual(ids(3), [3, 4, 5]);
    assert.deepEqual(ids(5), [5]);
    assert.deepEqual(ids(9), []);
    assert.equal(recent(2), undefined, 'events before the first known are not taken for none');
    // A change of no events (a take-over) keeps them.
    announce(live(6, { agentSessionId: 'taken' }));
    assert.deepEqual(ids(4), [4, 5]);
    // A change after one this node missed (events 6 and 7): only its own events are known.
    announce(live(9), lines(8, 9));
    assert.deepEqual(ids(8), [8]);
    assert.equal(recent(7), undefined);
    // A change whose events do not end at the head's last (never sent so): none are known.
    announce(live(12), lines(9, 10));
    assert.deepEqual(ids(12), []);
    assert.equal(recent(11), undefined);
    // A store read newer than the head: the events between are unknown.
    announce(live(13), lines(12, 13));
    kept.remember(live(15), kept.mark());
    assert.deepEqual(ids(15), []);
    assert.equal(recent(13), undefined);
    // At most RECENT_EVENTS, the newest.
    announce(live(15 + 2 * RECENT_EVENTS), lines(15, 15 + 2 * RECENT_EVENTS));
    assert.equal(recent(15 + RECENT_EVENTS - 1), undefined);
    assert.deepEqual(
      ids(15 + RECENT_EVENTS),
      Array.from({ length: RECENT_EVENTS }, (_, n) => 15 + RECENT_EVENTS + n),
    );
  });

  it('shares a bound on the events all heads keep: with more chats live, each keeps fewer', () => {
    const { kept, announce } = heads({ exact: true, maxRecentTotal: 8 });
    const chat = (id: string, nextEventId: number) => live(nextEventId, { id });
    const ids = (id: string, from: number) =>
      kept.known(live(0).accountId, id, from, false, () => true)?.events?.map((event) => event.id);
    // Alone, a chat keeps the whole bound.
    announce(chat('a', 10), lines(0, 10));
    assert.deepEqual(ids('a', 2), [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(ids('a', 1), undefined);
    // Three more live chats: the next change leaves 'a' its share of 8 among 4.
    for (const id of ['b', 'c', 'd']) announce(chat(id, 1), lines(0, 1));
    announce(chat('a', 11), lines(10, 11));
    assert.deepEqual(ids('a', 9), [9, 10]);
    assert.equal(ids('a', 8), undefined, 'an event beyond the share is read from the store');
    // With more chats than the bound, a head keeps no events and still answers "nothing new".
    for (const id of ['e', 'f', 'g', 'h', 'i']) announce(chat(id, 1), lines(0, 1));
    announce(chat('a', 12), lines(11, 12));
    assert.equal(ids('a', 11), undefined);
    assert.deepEqual(ids('a', 12), []);
  });
});

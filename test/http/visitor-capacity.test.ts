import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

// Availability, available slots and estimated wait over HTTP (server-chat §3.1–3.3), computed from
// real agent state: agent sessions set Online or Away, chats waiting, chats agents hold, chats ended.

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** The estimator's window and its minimum history (capacity.ts, server-chat §3.3). */
const WINDOW_SECONDS = 1_800;

const ALICE = 2001; // Sales, maxChats 3
const BOSS = 2002; // Support, maxChats 1
const ECHO_BOT = 2003; // Sales and Support, unlimited

interface Envelope {
  error: { internalCode: number; message: string };
}

for (const target of await databaseTargets()) {
  describe(`visitor availability, slots and wait on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(target);
    });
    after(async () => {
      await server.close();
    });

    /** A fresh account (its own agents and chats) and the visitor calls on it. */
    async function account() {
      const { accountId, seed } = accountSeed();
      await applySeed(server.core, seed);
      const appKey = seed.accounts[0]?.appKeys[0];
      assert.ok(appKey !== undefined);
      const url = (path: string, query: string) =>
        `/api/account/${accountId}${path}?${query === '' ? '' : `${query}&`}appKey=${appKey}`;
      const get = (resource: string, query: string): Promise<HttpResponse> =>
        send(server.baseUrl, 'GET', url(`/chat/${resource}.json`, query));
      const ok = async (resource: string, query: string): Promise<unknown> => {
        const response = await get(resource, query);
        assert.equal(response.status, 200, `${resource}?${query}: ${response.text}`);
        assert.equal(response.header('content-type'), 'application/json');
        return response.json();
      };
      return {
        accountId,
        get,
        availability: async (query = '') => (await ok('availability', query)) as { availability: boolean },
        slots: async (query = '') => ((await ok('availableSlots', query)) as { availableSlots: number }).availableSlots,
        wait: async (query = '') =>
          ((await ok('estimatedWaitTime', query)) as { estimatedWaitTime: number }).estimatedWaitTime,
        isAvailable: async (query = '') =>
          ((await ok('availability', query)) as { availability: boolean }).availability,

        /** Start Chat; returns the chat id from Location. */
        async startChat(request: Record<string, unknown>): Promise<string> {
          const response = await send(server.baseUrl, 'POST', url('/chat/request.json', ''), { body: { request } });
          assert.equal(response.status, 201, response.text);
          const location = response.header('location') ?? '';
          return location.slice(location.lastIndexOf('/') + 1);
        },
        async endAsVisitor(chatId: string): Promise<void> {
          const response = await send(server.baseUrl, 'POST', url(`/chat/${chatId}/events.json`, ''), {
            body: { event: { '@type': 'state', state: 'ended' } },
          });
          assert.equal(response.status, 201, response.text);
        },
        async endAsAgent(chatId: string, userId: number): Promise<void> {
          const user = await server.store.users.get(accountId, userId);
          assert.ok(user !== undefined);
          await server.core.chats.agentActions.end(accountId, chatId, user);
        },
      };
    }

    it('answers false, 0 and -1 while nobody is online', async () => {
      const acme = await account();
      for (const query of ['', 'skill=Sales', 'skill=Support']) {
        assert.equal(
          (await acme.get('availability', query)).text,
          JSON.stringify({ availability: false }),
          `availability?${query}`,
        );
        assert.equal((await acme.get('availableSlots', query)).text, JSON.stringify({ availableSlots: 0 }));
        assert.equal((await acme.get('estimatedWaitTime', query)).text, JSON.stringify({ estimatedWaitTime: -1 }));
      }
      assert.equal(await acme.isAvailable('agent=alice'), false);
    });

    it('counts an Online agent for the skills it holds only', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE);
      assert.equal(await acme.isAvailable(), true);
      assert.equal(await acme.isAvailable('skill=Sales'), true);
      assert.equal(await acme.isAvailable('skill=Support'), false);
      assert.equal(await acme.slots('skill=Sales'), 3);
      assert.equal(await acme.slots('skill=Support'), 0);
      assert.equal(await acme.slots(), 3);
      assert.equal(await acme.wait('skill=Sales'), 0);
      assert.equal(await acme.wait('skill=Support'), -1);
    });

    it('takes waiting chats of the skill and the chats the agent holds off the free slots', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE);

      const first = await acme.startChat({ skill: 'Sales' });
      assert.equal(await acme.slots('skill=Sales'), 2, 'one Sales chat waiting');
      await acme.startChat({ skill: 'Support' });
      assert.equal(await acme.slots('skill=Sales'), 2, 'a Support chat does not wait for Sales slots');

      await acceptAs(server, acme.accountId, first, ALICE);
      assert.equal(await acme.slots('skill=Sales'), 2, 'alice holds one, none waiting');
      const second = await acme.startChat({ skill: 'Sales' });
      assert.equal(await acme.slots('skill=Sales'), 1, 'alice holds one, one waiting');
      await acceptAs(server, acme.accountId, second, ALICE);
      await acme.startChat({ skill: 'Sales' });
      await acme.startChat({ skill: 'Sales' });
      assert.equal(await acme.slots('skill=Sales'), 0, 'never below 0');
      assert.equal(await acme.isAvailable('skill=Sales'), true, 'without maxWaitTime: an agent is online');

      await acme.endAsVisitor(first);
      assert.equal(await acme.slots('skill=Sales'), 0, 'one freed, two still waiting for it');
    });

    it('answers for one agent with the agent form', async () => {
      const acme = await account();
      assert.equal(await acme.isAvailable('agent=alice'), false);
      await putAgentOnline(server, acme.accountId, ALICE);
      assert.equal(await acme.isAvailable('agent=alice'), true);
      assert.equal(await acme.isAvailable('agent=ALICE'), true, 'login names are matched case-insensitively');
      assert.equal(await acme.isAvailable('agent=boss'), false);
      assert.equal(await acme.isAvailable('agent=nobody'), false);
      assert.equal(await acme.slots('agent=alice'), 3);

      const held = await acme.startChat({ skill: 'Sales' });
      await acceptAs(server, acme.accountId, held, ALICE);
      assert.equal(await acme.slots('agent=alice'), 2, 'the chat alice holds');
      await acme.startChat({ agent: 'alice' });
      assert.equal(await acme.slots('agent=alice'), 1, 'and the chat waiting for alice');
      assert.equal(await acme.slots('agent=boss'), 0);
      // Empty values count as absent (server-chat §3.1).
      assert.equal(await acme.isAvailable('agent=alice&skill='), true);
    });

    it('answers -1 slots when an eligible agent has no chat limit', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE);
      await putAgentOnline(server, acme.accountId, ECHO_BOT);
      assert.equal(await acme.slots(), -1);
      assert.equal(await acme.slots('skill=Sales'), -1);
      assert.equal(await acme.slots('skill=Support'), -1);
      assert.equal(await acme.slots('agent=echo-bot'), -1);
      assert.equal(await acme.slots('agent=alice'), 3);
      assert.equal(await acme.isAvailable('skill=Support'), true);
      assert.equal(await acme.isAvailable('skill=Support&maxWaitTime=0'), true);
      assert.equal(await acme.wait('skill=Support'), 0);
    });

    it('does not count Away agents', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE, 'Away');
      await putAgentOnline(server, acme.accountId, BOSS, 'Away');
      assert.equal(await acme.isAvailable(), false);
      assert.equal(await acme.isAvailable('skill=Sales'), false);
      assert.equal(await acme.isAvailable('agent=alice'), false);
      assert.equal(await acme.slots(), 0);
      assert.equal(await acme.wait('skill=Sales'), -1);

      await putAgentOnline(server, acme.accountId, BOSS, 'Online');
      assert.equal(await acme.isAvailable('skill=Support'), true);
      assert.equal(await acme.slots(), 1);
      await putAgentOnline(server, acme.accountId, BOSS, 'Away');
      assert.equal(await acme.isAvailable('skill=Support'), false);
    });

    it('with maxWaitTime=0 is true only while a slot is free after the queue', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE);
      assert.equal(await acme.isAvailable('skill=Sales&maxWaitTime=0'), true);
      await acme.startChat({ skill: 'Sales' });
      await acme.startChat({ skill: 'Sales' });
      assert.equal(await acme.isAvailable('skill=Sales&maxWaitTime=0'), true, '3 slots, 2 queued: one left');
      await acme.startChat({ skill: 'Sales' });
      assert.equal(await acme.isAvailable('skill=Sales&maxWaitTime=0'), false, '3 slots, 3 queued');
      assert.equal(await acme.isAvailable('skill=Sales'), true, 'without maxWaitTime the queue does not matter');
      // Not enough history to estimate (-2) counts as available while an agent is online (§3.1).
      assert.equal(await acme.wait('skill=Sales'), -2);
      assert.equal(await acme.isAvailable('skill=Sales&maxWaitTime=60'), true);
      assert.equal(await acme.isAvailable('agent=alice'), true);
    });

    it('refuses invalid parameter combinations and values with 400 / 40', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE);
      const refused: [string, string][] = [
        ['availability', 'agent=alice&skill=Sales'],
        ['availability', 'agent=alice&maxWaitTime=10'],
        ['availability', 'agent=alice&serviceQueue=Sales&maxWaitTime=10'],
        ['availability', 'maxWaitTime=86401'],
        ['availability', 'maxWaitTime=-1'],
        ['availability', 'maxWaitTime=soon'],
        ['availability', 'maxWaitTime=1.5'],
        ['availability', 'serviceQueue=Sales'],
        ['availableSlots', 'agent=alice&skill=Sales'],
        ['availableSlots', 'maxWaitTime=86401'],
        ['estimatedWaitTime', 'agent=alice'],
        ['estimatedWaitTime', 'skill=Sales&agent=alice'],
      ];
      for (const [resource, query] of refused) {
        const response = await acme.get(resource, query);
        assert.equal(response.status, 400, `${resource}?${query}: ${response.text}`);
        assert.equal(response.header('content-type'), 'application/json');
        assert.equal((response.json() as Envelope).error.internalCode, 40, `${resource}?${query}`);
      }

      const accepted: [string, string][] = [
        ['availability', 'maxWaitTime=0'],
        ['availability', 'maxWaitTime=86400'],
        ['availability', 'serviceQueue=Sales&maxWaitTime=60'],
        ['availability', 'agent=&skill=Sales'],
        ['availableSlots', 'skill=Sales&maxWaitTime=30'],
        ['estimatedWaitTime', 'serviceQueue=Sales'],
      ];
      for (const [resource, query] of accepted) {
        const response = await acme.get(resource, query);
        assert.equal(response.status, 200, `${resource}?${query}: ${response.text}`);
      }
    });

    it('refuses agent combined with a repeated skill with 400 / 40', async () => {
      const acme = await account();
      const response = await acme.get('availability', 'agent=alice&skill=Sales&skill=Support');
      assert.equal(response.status, 400, response.text);
      assert.equal((response.json() as Envelope).error.internalCode, 40);
    });

    it('answers a repeated skill in the multi-skill form', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE);
      const response = await acme.get('availability', 'skill=Sales&skill=Support');
      assert.equal(response.status, 200);
      assert.equal(
        response.text,
        JSON.stringify({
          availability: {
            AvailabilityForSkills: {
              skillAvailability: [
                { skill: 'Sales', isAvailable: true },
                { skill: 'Support', isAvailable: false },
              ],
            },
          },
        }),
      );
      assert.deepEqual(await acme.availability('skill=Support&skill=Nope&skill=Sales'), {
        availability: {
          AvailabilityForSkills: {
            skillAvailability: [
              { skill: 'Support', isAvailable: false },
              { skill: 'Nope', isAvailable: false },
              { skill: 'Sales', isAvailable: true },
            ],
          },
        },
      });
    });

    it('answers an unknown skill name as unavailable, even with an agent of every skill online', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ECHO_BOT);
      assert.equal(await acme.isAvailable('skill=Nope'), false);
      assert.equal(await acme.isAvailable('skill=Nope&maxWaitTime=0'), false);
      assert.equal(await acme.slots('skill=Nope'), 0);
      assert.equal(await acme.wait('skill=Nope'), -1);
      assert.equal(await acme.isAvailable('skill=sales'), true, 'skill names match case-insensitively');
    });

    it('estimates the wait from the slots the skill freed in the last 30 minutes', async () => {
      const acme = await account();
      await putAgentOnline(server, acme.accountId, ALICE);
      assert.equal(await acme.wait('skill=Sales'), 0, 'a free slot and nobody queued');

      /** A Sales chat alice accepts and ends a minute later: one slot released, at the returned time. */
      const release = async (): Promise<number> => {
        const chatId = await acme.startChat({ skill: 'Sales' });
        await acceptAs(server, acme.accountId, chatId, ALICE);
        server.clock.advance(MINUTE);
        await acme.endAsAgent(chatId, ALICE);
        return server.clock.now();
      };
      const releases = [await release(), await release()];
      // Chats that end without ever reaching an agent release nothing.
      for (let i = 0; i < 3; i++) await acme.endAsVisitor(await acme.startChat({ skill: 'Sales' }));
      // Nor do chats of another skill (boss takes Support chats).
      await putAgentOnline(server, acme.accountId, BOSS);
      const support = await acme.startChat({ skill: 'Support' });
      await acceptAs(server, acme.accountId, support, BOSS);
      await acme.endAsAgent(support, BOSS);

      const held: string[] = [];
      for (let i = 0; i < 3; i++) {
        const chatId = await acme.startChat({ skill: 'Sales' });
        await acceptAs(server, acme.accountId, chatId, ALICE);
        held.push(chatId);
      }
      assert.equal(await acme.slots('skill=Sales'), 0);
      assert.equal(await acme.wait('skill=Sales'), -2, 'slots full, only 2 releases in the window');

      // A third release: alice ends one of the chats she holds, so one slot is free again.
      server.clock.advance(MINUTE);
      const [firstHeld = ''] = held;
      await acme.endAsAgent(firstHeld, ALICE);
      releases.push(server.clock.now());
      assert.equal(await acme.wait('skill=Sales'), 0, 'the free slot is there for the next chat');

      /** The documented estimate: ceil((queuedAhead + 1 - freeSlots) / (releases / window seconds)). */
      const formula = (queuedAhead: number, freeSlots: number, count: number) =>
        Math.ceil((queuedAhead + 1 - freeSlots) / (count / WINDOW_SECONDS));

      await acme.startChat({ skill: 'Sales' });
      const oneAhead = formula(1, 1, releases.length);
      assert.ok(oneAhead > 0);
      assert.equal(await acme.wait('skill=Sales'), oneAhead, 'one queued takes the free slot');

      await acme.startChat({ skill: 'Sales' });
      const twoAhead = formula(2, 1, releases.length);
      assert.ok(twoAhead > oneAhead);
      assert.equal(await acme.wait('skill=Sales'), twoAhead);
      assert.equal(await acme.wait('skill=Support'), 0, 'boss is free for Support');

      // maxWaitTime=N is available when the estimate is within N seconds (server-chat §3.1).
      assert.equal(await acme.isAvailable(`skill=Sales&maxWaitTime=${twoAhead}`), true);
      assert.equal(await acme.isAvailable(`skill=Sales&maxWaitTime=${twoAhead - 1}`), false);
      assert.equal(await acme.isAvailable('skill=Sales&maxWaitTime=0'), false);

      // The oldest release is still inside the window at exactly 30 minutes, and outside after it.
      const [oldest = 0] = releases;
      server.clock.set(oldest + WINDOW_SECONDS * SECOND);
      assert.equal(await acme.wait('skill=Sales'), twoAhead);
      server.clock.advance(1);
      assert.equal(await acme.wait('skill=Sales'), -2, 'two releases left in the window');
      server.clock.advance(30 * MINUTE);
      assert.equal(await acme.wait('skill=Sales'), -2);
    });
  });
}

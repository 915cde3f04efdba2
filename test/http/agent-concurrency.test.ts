import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { agentClient, summary, visitorClient, type AgentSessionClient } from '../support/chat-clients.js';
import { assertConsecutiveIds, conversationSummary } from '../support/conversation-check.js';
import { databaseTargets } from '../support/databases.js';
import { accountSeed, applySeed, hex, newAccountId, startTestServer, type TestServer } from '../support/test-server.js';

// Many agents and visitors at once over HTTP (chat-agent-api §3.8–3.9, §3.15–3.16): routing under
// the account lock must give each chat to one agent, never beyond maxChats, and one event list per
// chat must reach both sides whole and in order. On PostgreSQL the requests run as concurrent
// transactions and the account lock is the advisory lock; on SQLite they queue on one connection.

const AGENTS = 20;
const CHATS = 200;
const MAX_CHATS = 3;
/** Visitors starting chats at once. */
const BATCH = 20;
/** Routing needs about CHATS / (AGENTS × MAX_CHATS) rounds; far more means something is stuck. */
const MAX_ROUNDS = 25;
const LINES = [1, 2, 3];

/** What each chat's event list must be, on both APIs: no second accept, no lost or doubled line. */
const EXPECTED = conversationSummary(LINES);

interface Agent {
  userId: number;
  loginName: string;
  password: string;
}

for (const target of await databaseTargets()) {
  describe(`twenty agents serving two hundred visitors at once on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const accountId = newAccountId();
    const appKey = hex(16);
    const agents: Agent[] = Array.from({ length: AGENTS }, (_, index) => ({
      userId: 3001 + index,
      loginName: `agent${String(index + 1).padStart(2, '0')}`,
      password: `pass-${index + 1}`,
    }));

    before(async () => {
      server = await startTestServer(target);
      await applySeed(server.core, {
        accounts: [
          {
            id: accountId,
            name: `Account ${accountId}`,
            appKeys: [appKey],
            skills: [{ id: 1001, name: 'Sales' }],
            users: agents.map((agent) => ({
              id: agent.userId,
              loginName: agent.loginName,
              password: agent.password,
              nickname: `Agent ${agent.userId}`,
              skills: ['Sales'],
              maxChats: MAX_CHATS,
            })),
            // No ring may time out while the agents work through the queue.
            settings: { ringTimeoutSeconds: 3600 },
          },
        ],
      });
    });
    after(() => server.close());

    it('gives every chat to exactly one agent, never beyond maxChats, and delivers every line once and in order', async () => {
      const agentApi = agentClient(server.baseUrl, accountId);
      const visitor = visitorClient(server.baseUrl, accountId, appKey);
      const sessions = new Map<number, AgentSessionClient>(
        await Promise.all(
          agents.map(
            async (agent) => [agent.userId, (await agentApi.signIn(agent.loginName, agent.password)).session] as const,
          ),
        ),
      );

      const chatIds: string[] = [];
      for (let started = 0; started < CHATS; started += BATCH) {
        chatIds.push(
          ...(await Promise.all(
            Array.from({ length: BATCH }, () => visitor.start({ skill: 'Sales', interactionTimeout: 3600 })),
          )),
        );
      }
      assert.equal(new Set(chatIds).size, CHATS);

      const acceptedBy = new Map<string, number>();
      const holding = new Map<number, number>();
      const ended = new Set<string>();
      let mostHeld = 0;
      let mostStored = 0;

      /** The store's view: no agent is ever chatting in more than maxChats chats. */
      const sampleStore = async (when: string) => {
        const counts = await server.store.chats.activeCountByAgent(accountId);
        for (const [userId, count] of counts) {
          assert.ok(count <= MAX_CHATS, `${when}: the store has agent ${userId} in ${count} chats`);
          mostStored = Math.max(mostStored, count);
        }
      };

      const converse = async (userId: number, session: AgentSessionClient, chatId: string) => {
        for (const k of LINES) {
          await visitor.say(chatId, `v${k}`);
          await session.say(chatId, `a${k}`);
        }
        await session.end(chatId);
        holding.set(userId, (holding.get(userId) ?? 0) - 1);
        ended.add(chatId);
      };

      /**
       * One poll of one agent: accept everything that rings with parallel POSTs (each must get a
       * different chat), talk in all accepted chats at once, end them.
       */
      const turn = async (userId: number, session: AgentSessionClient) => {
        const ringing = Number(await session.ringingCount());
        const accepted = await Promise.all(Array.from({ length: ringing }, () => session.accept()));
        for (const chatId of accepted) {
          const previous = acceptedBy.get(chatId);
          assert.equal(previous, undefined, `chat ${chatId} was given to agent ${previous} and to agent ${userId}`);
          acceptedBy.set(chatId, userId);
        }
        const held = (holding.get(userId) ?? 0) + accepted.length;
        holding.set(userId, held);
        assert.ok(held <= MAX_CHATS, `agent ${userId} holds ${held} chats`);
        mostHeld = Math.max(mostHeld, held);
        await sampleStore(`after agent ${userId} accepted ${accepted.join(', ')}`);
        await Promise.all(accepted.map((chatId) => converse(userId, session, chatId)));
      };

      let rounds = 0;
      while (ended.size < CHATS && rounds < MAX_ROUNDS) {
        rounds += 1;
        await Promise.all([...sessions].map(([userId, session]) => turn(userId, session)));
        // The server's 1 s timer loop; the clock moves far less than any timeout.
        await server.core.tick();
        await sampleStore(`after round ${rounds}`);
        server.clock.advance(1_000);
      }

      assert.equal(ended.size, CHATS, `${CHATS - ended.size} chats were not served in ${rounds} rounds`);
      assert.equal(acceptedBy.size, CHATS);
      assert.ok(mostHeld <= MAX_CHATS && mostStored <= MAX_CHATS);
      // Routing filled every agent to maxChats at least once (the queue was far longer than the slots).
      assert.equal(mostHeld, MAX_CHATS);

      for (let first = 0; first < CHATS; first += BATCH) {
        await Promise.all(
          chatIds.slice(first, first + BATCH).map(async (chatId) => {
            const userId = acceptedBy.get(chatId);
            assert.ok(userId !== undefined, `chat ${chatId} was never accepted`);
            const session = sessions.get(userId);
            assert.ok(session !== undefined);
            const [seenByVisitor, seenByAgent, stored] = await Promise.all([
              visitor.events(chatId),
              session.events(chatId),
              server.store.chats.get(accountId, chatId),
            ]);
            for (const [side, events] of [
              ['visitor', seenByVisitor],
              ['agent', seenByAgent],
            ] as const) {
              assert.deepEqual(summary(events), EXPECTED, `${side} side of ${chatId}`);
              assertConsecutiveIds(events, `${side} side of ${chatId}`);
              assert.equal(events.filter((event) => event.state === 'chatting').length, 1);
              assert.equal(events.filter((event) => String(event.systemMessageId) === '3').length, 1);
            }
            assert.deepEqual(
              seenByVisitor.map((event) => event['@id']),
              seenByAgent.map((event) => event['@id']),
            );
            assert.equal(stored?.agentUserId, userId, `chat ${chatId} is stored with another agent`);
            assert.equal(stored?.state, 'ended');
          }),
        );
      }
    });
  });

  describe(
    `agent requests racing the server's own session changes on ${target.name}`,
    { skip: target.unavailable },
    () => {
      let server: TestServer;
      const ATTEMPTS = 30;
      const POLLS = 8;

      before(async () => {
        server = await startTestServer(target);
      });
      after(() => server.close());

      it('a poll in flight does not undo the Away set by a ring timeout', async () => {
        const { accountId, seed } = accountSeed();
        await applySeed(server.core, seed);
        const agents = agentClient(server.baseUrl, accountId);
        const visitor = visitorClient(server.baseUrl, accountId, seed.accounts[0]!.appKeys[0]!);
        const alice = (await agents.signIn('alice', 'alice-pass')).session;
        await visitor.start({ skill: 'Sales', interactionTimeout: 86_400 });
        let undone = 0;
        for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
          // Back Online, the waiting chat rings alice again; 20 s later the timer loop and her polls meet.
          await alice.setAvailability('Online');
          assert.equal(await alice.ringingCount(), '1');
          server.clock.advance(20_000);
          await Promise.all([
            server.core.tick(),
            ...Array.from({ length: POLLS }, () => alice.request('GET', '/incomingRequests')),
          ]);
          const stored = await server.store.agentSessions.get(accountId, alice.id);
          if (stored?.availability !== 'Away') undone += 1;
        }
        assert.equal(undone, 0, `${undone} of ${ATTEMPTS} ring timeouts left alice Online`);
      });

      it('a poll in flight does not revive an agent session that is ending', async () => {
        const { accountId, seed } = accountSeed();
        await applySeed(server.core, seed);
        const agents = agentClient(server.baseUrl, accountId);
        const login = await agents.login('alice', 'alice-pass');
        let revived = 0;
        for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
          const session = await agents.startSession(login.bearer);
          const [ended] = await Promise.all([
            session.request('POST', '', undefined, { 'X-HTTP-Method-Override': 'DELETE' }),
            ...Array.from({ length: POLLS }, () => session.request('GET', '/incomingRequests')),
          ]);
          assert.ok(ended.status < 300, ended.text);
          const stored = await server.store.agentSessions.get(accountId, session.id);
          if (stored?.endedAt === null) revived += 1;
        }
        assert.equal(revived, 0, `${revived} of ${ATTEMPTS} ended agent sessions are live again`);
      });
    },
  );
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  agentClient,
  summary,
  visitorClient,
  type AgentSessionClient,
  type WireEvent,
} from '../support/chat-clients.js';
import { assertConsecutiveIds, conversationSummary } from '../support/conversation-check.js';
import { clusterProblem, startCluster, type Cluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { send } from '../support/http-client.js';
import { openStream, type SseClient } from '../support/sse-client.js';
import { hex, newAccountId } from '../support/test-server.js';

// Three nodes on one database and one Redis behind HAProxy's round robin (docs/DEPLOYMENT.md):
// any request may land on any node, so routing must give each chat to one agent whichever node
// each accept reaches, and a line stored through one node must wake the long-polls and streams
// held open by the others (the event bus in Redis).

const AGENTS = 20;
const CHATS = 200;
const MAX_CHATS = 3;
/** Visitors starting chats at once. */
const BATCH = 20;
const LINES = [1, 2, 3];

/** What each chat's event list must be, on both APIs: no second accept, no lost or doubled line. */
const EXPECTED = conversationSummary(LINES);

const accountId = newAccountId();
const appKey = hex(16);
const agents = Array.from({ length: AGENTS }, (_, index) => ({
  userId: 3001 + index,
  loginName: `agent${String(index + 1).padStart(2, '0')}`,
  password: `pass-${index + 1}`,
}));
/** Agents of their own skill for the cases across nodes: the chats above never ring at them. */
const supportAgents = Array.from({ length: 3 }, (_, index) => ({
  userId: 4001 + index,
  loginName: `support${index + 1}`,
  password: `support-pass-${index + 1}`,
}));
const seed = {
  accounts: [
    {
      id: accountId,
      name: `Account ${accountId}`,
      appKeys: [appKey],
      skills: [
        { id: 1001, name: 'Sales' },
        { id: 1002, name: 'Support' },
      ],
      users: [
        ...agents.map((agent) => ({
          id: agent.userId,
          loginName: agent.loginName,
          password: agent.password,
          nickname: `Agent ${agent.userId}`,
          skills: ['Sales'],
          maxChats: MAX_CHATS,
        })),
        ...supportAgents.map((agent) => ({
          id: agent.userId,
          loginName: agent.loginName,
          password: agent.password,
          nickname: `Support ${agent.userId}`,
          skills: ['Support'],
          maxChats: -1,
        })),
      ],
      // No ring, agent session or chat may time out while the test runs on a real clock.
      settings: { ringTimeoutSeconds: 3600, agentSessionIdleSeconds: 86_400 },
    },
  ],
};

const linesOf = (stream: SseClient): string[] =>
  stream.messages
    .map((message) => JSON.parse(message.data) as WireEvent)
    .filter((event) => event['@type'] === 'line' && event.source !== 'system')
    .map((event) => event.text ?? '');

const problem = clusterProblem();

describe('three Parley nodes behind HAProxy', { skip: problem }, () => {
  let cluster: Cluster;
  const streams: SseClient[] = [];

  before(async () => {
    cluster = await startCluster({ seed });
  });
  after(async () => {
    for (const stream of streams) stream.drop();
    await cluster?.stop();
  });

  /** An agent session signed in through HAProxy, and a chat it has accepted. */
  async function acceptedChat(
    agent: (typeof supportAgents)[number],
  ): Promise<{ session: AgentSessionClient; chatId: string }> {
    const session = (await agentClient(cluster.url, accountId).signIn(agent.loginName, agent.password)).session;
    const chatId = await visitorClient(cluster.url, accountId, appKey).start({
      skill: 'Support',
      interactionTimeout: 3600,
    });
    await eventually(`chat ${chatId} to ring`, async () => Number(await session.ringingCount()) > 0, {
      timeoutMs: 60_000,
    });
    assert.equal(await session.accept(), chatId);
    return { session, chatId };
  }

  it('gives every chat to exactly one agent, never beyond maxChats, and delivers every line once and in order', async () => {
    const agentApi = agentClient(cluster.url, accountId);
    const visitor = visitorClient(cluster.url, accountId, appKey);
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

    /** The store's view, past every node: no agent is ever chatting in more than maxChats chats. */
    const sampleStore = async (when: string) => {
      const rows = await cluster.sql<{ agent_user_id: number; count: string }>(
        `select agent_user_id, count(*) as count from chats
          where account_id = $1 and state = 'chatting' and agent_user_id is not null group by agent_user_id`,
        [accountId],
      );
      for (const row of rows)
        assert.ok(Number(row.count) <= MAX_CHATS, `${when}: the store has agent ${row.agent_user_id} in ${row.count}`);
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
     * Each agent polls on its own (every request through HAProxy, so on whichever node comes next):
     * accept everything that rings with parallel POSTs, talk in those chats, end them; again until
     * every chat has ended. Routing happens on the nodes' own clock, so an agent with nothing
     * ringing asks again a little later.
     */
    const work = async (userId: number, session: AgentSessionClient) => {
      const deadline = Date.now() + 200_000;
      while (ended.size < CHATS) {
        assert.ok(Date.now() < deadline, `${CHATS - ended.size} chats were not served in time`);
        const ringing = Number(await session.ringingCount());
        if (ringing === 0) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
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
      }
    };
    await Promise.all([...sessions].map(([userId, session]) => work(userId, session)));

    assert.equal(ended.size, CHATS);
    assert.equal(acceptedBy.size, CHATS);
    // Routing filled agents to maxChats (the queue was far longer than the slots).
    assert.equal(mostHeld, MAX_CHATS);

    for (let first = 0; first < CHATS; first += BATCH) {
      await Promise.all(
        chatIds.slice(first, first + BATCH).map(async (chatId, offset) => {
          const userId = acceptedBy.get(chatId);
          assert.ok(userId !== undefined, `chat ${chatId} was never accepted`);
          const session = sessions.get(userId);
          assert.ok(session !== undefined);
          // Read past HAProxy too: every node answers the same list.
          const node = cluster.nodes[(first + offset) % cluster.nodes.length]!;
          const [seenByVisitor, seenByAgent, seenOnNode] = await Promise.all([
            visitor.events(chatId),
            session.events(chatId),
            visitorClient(node.url, accountId, appKey).events(chatId),
          ]);
          for (const [side, events] of [
            ['visitor', seenByVisitor],
            ['agent', seenByAgent],
            [`visitor on ${node.name}`, seenOnNode],
          ] as const) {
            assert.deepEqual(summary(events), EXPECTED, `${side} side of ${chatId}`);
            assertConsecutiveIds(events, `${side} side of ${chatId}`);
          }
          assert.deepEqual(
            seenByVisitor.map((event) => event['@id']),
            seenByAgent.map((event) => event['@id']),
          );
        }),
      );
    }
    const stored = await cluster.sql<{ id: string; agent_user_id: number; state: string }>(
      'select id, agent_user_id, state from chats where account_id = $1',
      [accountId],
    );
    assert.equal(stored.length, CHATS);
    for (const chat of stored) {
      assert.equal(chat.state, 'ended');
      assert.equal(Number(chat.agent_user_id), acceptedBy.get(chat.id), `chat ${chat.id} is stored with another agent`);
    }
  });

  it('wakes an event stream held by one node with a line posted through another, for every pair of nodes', async () => {
    const { session, chatId } = await acceptedChat(supportAgents[0]!);
    const visitorPath = `/api/account/${accountId}/chat/${chatId}/events?appKey=${appKey}&from=0`;
    const agentPath = `${session.path}/chat/${chatId}/events?from=0`;
    const bearer = { authorization: `Bearer ${session.bearer}` };
    const expected: string[] = [];
    for (const reader of cluster.nodes) {
      for (const writer of cluster.nodes.filter((node) => node !== reader)) {
        const [forVisitor, forAgent] = await Promise.all([
          openStream(reader.url, visitorPath),
          openStream(reader.url, agentPath, bearer),
        ]);
        streams.push(forVisitor, forAgent);
        // Every event so far arrives first: the stream is open and watching on the reader's node.
        for (const stream of [forVisitor, forAgent]) {
          assert.equal(stream.status, 200, stream.text());
          await stream.until(() => linesOf(stream).length === expected.length, `the lines so far on ${reader.name}`);
        }
        const text = `from ${writer.name} to ${reader.name}`;
        const posted = await send(
          writer.url,
          'POST',
          `/api/account/${accountId}/chat/${chatId}/events.json?v=1&NC=true&appKey=${appKey}`,
          { body: { event: { '@type': 'line', text } } },
        );
        assert.equal(posted.status, 201, posted.text);
        expected.push(text);
        for (const [side, stream] of [
          ['visitor', forVisitor],
          ['agent', forAgent],
        ] as const) {
          await stream.until(
            () => linesOf(stream).length >= expected.length,
            `the ${side} stream on ${reader.name} to get the line posted on ${writer.name}`,
          );
          assert.deepEqual(linesOf(stream), expected, `the ${side} stream on ${reader.name}`);
          stream.drop();
        }
      }
    }
  });

  it('answers a long-poll waiting on one node with a line posted through another', async () => {
    const { session, chatId } = await acceptedChat(supportAgents[1]!);
    const from = (await session.events(chatId)).length;
    for (const [index, reader] of cluster.nodes.entries()) {
      const writer = cluster.nodes[(index + 1) % cluster.nodes.length]!;
      const waiting = send(
        reader.url,
        'GET',
        `${session.path}/chat/${chatId}/events.json?from=${from + index}&wait=60&v=1&NC=true`,
        { headers: { accept: 'application/json', authorization: `Bearer ${session.bearer}` } },
      );
      // Not for correctness (the answer must hold the line either way): let the poll begin to wait
      // first, so that what answers it is the wake-up from the other node and not its first read.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await visitorClient(writer.url, accountId, appKey).say(chatId, `poll ${index}`);
      const answer = await waiting;
      assert.equal(answer.status, 200, answer.text);
      const events = (answer.json() as { events: { event?: WireEvent | WireEvent[] } }).events.event;
      const texts = (Array.isArray(events) ? events : events === undefined ? [] : [events]).map((event) => event.text);
      assert.deepEqual(texts, [`poll ${index}`], `the long-poll on ${reader.name}, line posted on ${writer.name}`);
    }
  });

  it('delivers lines posted through HAProxy once and in order to streams opened through HAProxy, whichever nodes serve them', async () => {
    const { session, chatId } = await acceptedChat(supportAgents[2]!);
    const visitor = visitorClient(cluster.url, accountId, appKey);
    const from = (await session.events(chatId)).length;
    // Six streams in a row through round robin: two on each node.
    const opened: SseClient[] = [];
    for (let index = 0; index < 6; index += 1) {
      const stream =
        index % 2 === 0
          ? await openStream(
              cluster.url,
              `/api/account/${accountId}/chat/${chatId}/events?appKey=${appKey}&from=${from}`,
            )
          : await openStream(cluster.url, `${session.path}/chat/${chatId}/events?from=${from}`, {
              authorization: `Bearer ${session.bearer}`,
            });
      assert.equal(stream.status, 200, stream.text());
      opened.push(stream);
      streams.push(stream);
    }
    const streamNodes = opened.map((stream) => String(stream.headers['x-parley-node']));
    assert.equal(new Set(streamNodes).size, cluster.nodes.length, `streams held by ${streamNodes.join(', ')}`);
    const expected = Array.from({ length: 12 }, (_, index) => `line ${index}`);
    const postNodes: string[] = [];
    for (const [index, text] of expected.entries()) {
      const posted =
        index % 2 === 0
          ? await visitor.post(`/chat/${chatId}/events.json`, { event: { '@type': 'line', text } })
          : await session.request('POST', `/chat/${chatId}/events`, { event: { '@type': 'line', text } });
      assert.equal(posted.status, 201, posted.text);
      postNodes.push(String(posted.header('x-parley-node')));
    }
    // Round robin put lines on every node, so each stream got most of them from another node.
    assert.equal(new Set(postNodes).size, cluster.nodes.length, `lines posted on ${postNodes.join(', ')}`);
    for (const [index, stream] of opened.entries()) {
      await stream.until(() => linesOf(stream).length >= expected.length, `stream ${index} to get every line`);
      assert.deepEqual(linesOf(stream), expected, `stream ${index}`);
      const ids = stream.messages.map((message) => Number(message.id));
      assert.deepEqual(
        ids,
        ids.map((_, offset) => from + offset),
        `stream ${index}: ids in order, no gap, no repeat`,
      );
    }
  });
});

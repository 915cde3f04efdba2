import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BusEvent, DomainEvent, EventBus } from '../../src/core/ports.js';
import { eventually } from '../support/eventually.js';

/** The buses of one test: one per node over the same transport (a single one for the memory bus). */
export interface OpenedBuses {
  nodes: EventBus[];
  /** Interrupts the transport and restores it (Redis stopped and started), when it has one. */
  outage?: () => Promise<void>;
  close(): Promise<void>;
}

export interface EventBusFactory {
  name: string;
  /** Why it cannot run here (the suite is skipped), or undefined. */
  unavailable: string | undefined;
  /** Buses for `count` nodes, resolved once each is connected to the others. */
  open(count: number): Promise<OpenedBuses>;
}

const availability = (sessionId: string, availability = 'Online'): DomainEvent => ({
  type: 'agent.availability',
  accountId: '12345678',
  sessionId,
  userId: 1,
  availability,
});

/** Collects what a bus delivers of one type. */
function recorder<T extends BusEvent['type']>(bus: EventBus, type: T) {
  const seen: Extract<BusEvent, { type: T }>[] = [];
  const stop = bus.subscribe(type, (event) => seen.push(event));
  return { seen, stop };
}

/**
 * What every adapter of the EventBus port does (src/core/ports.ts), as Socket.IO's adapter tests
 * check every adapter: the publisher's own subscribers at once, every other node's exactly once and
 * in its publish order, unsubscribing, failing subscribers, and `bus.resumed` after a break.
 */
export function eventBusContract(factory: EventBusFactory): void {
  describe(`EventBus contract: ${factory.name}`, { skip: factory.unavailable }, () => {
    let opened: OpenedBuses | undefined;
    beforeEach(() => {
      opened = undefined;
    });
    afterEach(async () => opened?.close());
    const open = async (count: number) => {
      opened = await factory.open(count);
      return opened;
    };

    it("delivers to the publisher's own subscribers before publish returns", async () => {
      const [bus] = (await open(1)).nodes;
      assert.ok(bus !== undefined);
      const { seen } = recorder(bus, 'agent.availability');
      bus.publish(availability('s1'));
      assert.deepEqual(seen, [availability('s1')]);
    });

    it('delivers only the subscribed type', async () => {
      const [bus] = (await open(1)).nodes;
      assert.ok(bus !== undefined);
      const { seen } = recorder(bus, 'login-session.ended');
      bus.publish(availability('s1'));
      assert.deepEqual(seen, []);
    });

    it('stops delivering to a subscriber that unsubscribed', async () => {
      const { nodes } = await open(2);
      const gone = nodes.map((bus) => recorder(bus, 'agent.availability'));
      const kept = nodes.map((bus) => recorder(bus, 'agent.availability'));
      for (const { stop } of gone) stop();
      for (const bus of nodes) bus.publish(availability('after'));
      await eventually('every node to see every event', () => kept.every(({ seen }) => seen.length === nodes.length));
      for (const { seen } of gone) assert.deepEqual(seen, []);
    });

    it('goes on delivering to the others when a subscriber throws', async () => {
      const { nodes } = await open(2);
      for (const bus of nodes) {
        bus.subscribe('agent.availability', () => {
          throw new Error('a failing subscriber');
        });
      }
      const kept = nodes.map((bus) => recorder(bus, 'agent.availability'));
      const [first] = nodes;
      assert.ok(first !== undefined);
      assert.doesNotThrow(() => first.publish(availability('s1')));
      await eventually('every node to see the event', () => kept.every(({ seen }) => seen.length === 1));
    });

    it('delivers every event to every node exactly once, in each publisher’s order', async () => {
      const { nodes } = await open(2);
      const records = nodes.map((bus) => recorder(bus, 'agent.availability'));
      const perNode = 100;
      for (let i = 0; i < perNode; i += 1) {
        nodes.forEach((bus, node) => bus.publish(availability(`node-${node}`, String(i))));
      }
      const total = perNode * nodes.length;
      await eventually('every node to see every event', () => records.every(({ seen }) => seen.length >= total));
      for (const { seen } of records) {
        assert.equal(seen.length, total, 'no event twice');
        nodes.forEach((_, node) => {
          const own = seen.filter((event) => event.sessionId === `node-${node}`).map((event) => event.availability);
          assert.deepEqual(
            own,
            Array.from({ length: perNode }, (_, i) => String(i)),
          );
        });
      }
    });

    it('carries a chat.changed to another node as the same value', async () => {
      const { nodes } = await open(2);
      const records = nodes.map((bus) => recorder(bus, 'chat.changed'));
      const event = sampleChange();
      nodes[0]?.publish(event);
      await eventually('the last node to see it', () => records.at(-1)?.seen.length === 1);
      assert.deepStrictEqual(records.at(-1)?.seen[0], event);
    });

    it('tells bus.resumed to every node after its transport was interrupted, and carries events again', async (t) => {
      const buses = await open(2);
      if (buses.outage === undefined) {
        // A bus with no transport is never interrupted.
        t.diagnostic('no transport to interrupt');
        return;
      }
      const resumed = buses.nodes.map((bus) => recorder(bus, 'bus.resumed'));
      const records = buses.nodes.map((bus) => recorder(bus, 'agent.availability'));
      await buses.outage();
      // During or after the break a publish never throws into its caller.
      assert.doesNotThrow(() => buses.nodes[0]?.publish(availability('during')));
      await eventually('every node to resume', () => resumed.every(({ seen }) => seen.length >= 1));
      await eventually('every node connected', () => buses.nodes.every((bus) => bus.condition?.() === 'ok'));
      buses.nodes[0]?.publish(availability('after'));
      await eventually('every node to see the event after the break', () =>
        records.every(({ seen }) => seen.some((event) => event.sessionId === 'after')),
      );
    });
  });
}

/** A change with what JSON would lose: optional fields set to undefined, nulls, nested arrays. */
function sampleChange(): Extract<DomainEvent, { type: 'chat.changed' }> {
  return {
    type: 'chat.changed',
    chat: {
      accountId: '12345678',
      id: 'H1234567890123456789-0123456789abcdef0123456789abcdefK1234567',
      visitorId: 1,
      rtSessionId: 2,
      state: 'chatting',
      skillId: 1001,
      skillName: 'Sales',
      requestedAgent: null,
      agentUserId: 7,
      agentName: 'Bob',
      visitorName: null,
      visitorTyping: true,
      agentTyping: false,
      visitorTypingAt: 1_714_564_800_500,
      agentTypingAt: undefined,
      interactionTimeoutSeconds: 600,
      maxWaitTimeSeconds: null,
      echo: { engagementId: '5', language: undefined },
      visitor: { visitorIp: '::1', userAgent: 'test', referrer: '', visitorSessionId: undefined },
      preChatLines: ['hello', 'ünïcødé ✓'],
      preChatSurvey: {
        surveyId: 's1',
        answers: [{ questionId: 'q1', label: 'Colours', answer: ['red', 'blue'] }],
        submittedAt: 1_714_564_800_000,
      },
      exitSurvey: null,
      customVariables: [{ name: 'plan', value: 'gold' }],
      startTime: 1_714_564_800_000,
      lastUpdate: 1_714_564_801_000,
      queuedAt: 1_714_564_800_000,
      acceptedAt: 1_714_564_805_000,
      endedAt: null,
      idleDueAt: 1_714_565_400_000,
      waitDueAt: null,
      retainUntil: null,
      nextEventId: 8,
      ringingUserId: null,
      ringDueAt: null,
      targetUserId: null,
      agentSessionId: 'abc',
      agentSurvey: null,
      participants: [{ sessionId: 'p1', userId: 9, name: 'Eve', role: 'listener', joinedAt: 1_714_564_806_000 }],
      invitations: [],
      lastLineAt: 1_714_564_801_000,
    },
    events: [
      {
        id: 6,
        type: 'line',
        time: 1_714_564_801_000,
        textType: 'rich-content',
        json: { type: 'vertical', elements: [{ type: 'text', text: 'hi', style: null }], $u: 1 },
        by: 'Bob',
        source: 'agent',
        subType: undefined,
      },
      { id: 7, type: 'state', time: 1_714_564_801_000, state: 'chatting' },
    ],
  };
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { NonceRepository } from '../../src/core/ports.js';

/** Two nodes' nonce repositories over one shared keeping (two stores on one database). */
export interface OpenedNonces {
  nodes: [NonceRepository, NonceRepository];
  close(): Promise<void>;
}

export interface NonceFactory {
  name: string;
  /** Why it cannot run here (the suite is skipped), or undefined. */
  unavailable: string | undefined;
  open(): Promise<OpenedNonces>;
}

const T0 = Date.UTC(2026, 0, 1);
/** The OAuth timestamp window a nonce is kept for. */
const WINDOW = 5 * 60 * 1000;

/**
 * What keeps OAuth 1.0 nonces for several nodes (platform §5.3.4): a nonce one node has seen is a
 * replay at every other within the window, and usable again once it has expired.
 */
export function nonceContract(factory: NonceFactory): void {
  describe(`nonces shared by two nodes: ${factory.name}`, { skip: factory.unavailable }, () => {
    let opened: OpenedNonces;
    before(async () => {
      opened = await factory.open();
    });
    after(async () => opened.close());

    it('refuses at the second node a nonce the first remembered', async () => {
      const [first, second] = opened.nodes;
      const scope = `key-${randomUUID()}`;
      assert.equal(await first.remember(scope, 'n1', T0, T0 + WINDOW), true);
      assert.equal(await second.remember(scope, 'n1', T0 + 1, T0 + 1 + WINDOW), false);
      assert.equal(await first.remember(scope, 'n1', T0 + 2, T0 + 2 + WINDOW), false);
    });

    it('accepts the nonce again at either node once it has expired', async () => {
      const [first, second] = opened.nodes;
      const scope = `key-${randomUUID()}`;
      assert.equal(await first.remember(scope, 'n2', T0, T0 + WINDOW), true);
      assert.equal(await second.remember(scope, 'n2', T0 + WINDOW, T0 + 2 * WINDOW), true);
      assert.equal(await first.remember(scope, 'n2', T0 + WINDOW + 1, T0 + 2 * WINDOW + 1), false);
    });

    it('lets exactly one of two nodes remembering the same nonce at once succeed', async () => {
      const [first, second] = opened.nodes;
      const scope = `key-${randomUUID()}`;
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? first : second).remember(scope, 'n3', T0, T0 + WINDOW)),
      );
      assert.equal(answers.filter(Boolean).length, 1);
    });
  });
}

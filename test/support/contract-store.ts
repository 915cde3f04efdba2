import { after, before } from 'node:test';
import type { Store } from '../../src/core/ports.js';
import { openStore } from '../../src/store/open-store.js';
import type { DatabaseTarget } from './databases.js';

export interface ContractStore {
  /** The open store; read it in tests and hooks, not while the suite is being declared. */
  readonly store: Store;
  /** Delete statements run so far; a test may reset it to count a sweep's statements. */
  deletes: number;
  /** Every distinct statement text run so far; a test may clear it. */
  readonly texts: Set<string>;
}

/**
 * A migrated store on a database of its own for the enclosing describe block: opened before its
 * tests, closed and dropped after them. It counts delete statements, so that a test can see that
 * a sweep deletes in batches of `sweepBatchSize`, and keeps the statements' texts.
 */
export function contractStore(target: DatabaseTarget, options: { sweepBatchSize: number }): ContractStore {
  let opened: Store | undefined;
  let drop: () => Promise<void> = async () => undefined;
  const subject: ContractStore = {
    get store(): Store {
      if (opened === undefined) throw new Error('the contract store opens in before()');
      return opened;
    },
    deletes: 0,
    texts: new Set(),
  };

  before(async () => {
    const database = await target.create();
    drop = database.drop;
    const fresh = openStore(database.location, {
      sweepBatchSize: options.sweepBatchSize,
      onQuery: (sql) => {
        if (sql.startsWith('delete')) subject.deletes += 1;
        subject.texts.add(sql);
      },
    });
    await fresh.migrate();
    opened = fresh.store;
  });

  after(async () => {
    await opened?.close();
    await drop();
  });

  return subject;
}

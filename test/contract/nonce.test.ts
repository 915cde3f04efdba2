import { openStore } from '../../src/store/open-store.js';
import { databaseTargets, TEST_POSTGRES_TIMEOUTS } from '../support/databases.js';
import { nonceContract } from './nonce.contract.js';

for (const target of await databaseTargets()) {
  nonceContract({
    name: `the store on ${target.name}`,
    unavailable: target.unavailable,
    async open() {
      const database = await target.create();
      // Two stores on one database, as two nodes (or a restarted one) have.
      const stores = [0, 1].map(() =>
        openStore(database.location, { poolSize: 2, postgresTimeouts: TEST_POSTGRES_TIMEOUTS }),
      );
      for (const opened of stores) await opened.migrate();
      const [first, second] = stores.map((opened) => opened.store.nonces);
      if (first === undefined || second === undefined) throw new Error('two stores were opened');
      return {
        nodes: [first, second],
        close: async () => {
          for (const opened of stores) await opened.store.close();
          await database.drop();
        },
      };
    },
  });
}

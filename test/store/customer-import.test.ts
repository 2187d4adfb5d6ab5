import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerImport } from '../../src/domain/customer-import.js';
import { systemClock, type Store } from '../../src/domain/ports.js';
import { migrateToLatest } from '../../src/store/connect.js';
import { createStore } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../support/database.js';

/** A hash in PHC form, as another system stores it (its bytes need not open anything here). */
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA';
const row = (line: number, email: string, phone: string) => ({
  line,
  nameEn: `Row ${line}`,
  email,
  phone,
  passwordHash: HASH,
});

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `a customer import's batches on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let database: TestDatabase;
      let store: Store;
      beforeAll(async () => {
        database = await backend.open();
        await migrateToLatest(database.opened.db);
        store = createStore(database.opened.db);
      });
      afterAll(async () => database?.drop());

      it('rejects only the rows a customer registered meanwhile took, when the batch it checked conflicts after all', async () => {
        const caller = { clientId: null, tenant: 'race' };
        const [first] = await createCustomerImport({ store, clock: systemClock })
          .begin(caller)
          .importBatch([row(2, 'first@example.com', '+971501110001')]);
        expect(first?.imported).toBe(true);
        // The registration lands between the batch's look-up and its insert: the look-up saw nothing.
        const racing: Store = {
          ...store,
          customers: { ...store.customers, findTaken: async () => ({ emails: [], phones: [] }) },
        };
        const outcomes = await createCustomerImport({ store: racing, clock: systemClock })
          .begin(caller)
          .importBatch([
            row(2, 'second@example.com', '+971501110002'),
            row(3, 'FIRST@example.com', '+971501110003'),
            row(4, 'third@example.com', '+971501110001'),
            row(5, 'fourth@example.com', '+971501110004'),
          ]);
        expect(outcomes.map((outcome) => (outcome.imported ? 'imported' : outcome.problem.details))).toEqual([
          'imported',
          [{ field: '/email', problem: 'belongs to a customer of this tenant already' }],
          [{ field: '/phone', problem: 'belongs to a customer of this tenant already' }],
          'imported',
        ]);
        const emails = await database.opened.db
          .selectFrom('customers')
          .select('email')
          .where('tenant', '=', 'race')
          .orderBy('number')
          .execute();
        expect(emails.map(({ email }) => email)).toEqual([
          'first@example.com',
          'second@example.com',
          'fourth@example.com',
        ]);
      });
    },
  );
}

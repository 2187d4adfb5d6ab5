/**
 * PGlite on its own thread: the service's event loop runs while a statement does, errors keep what the store
 * reads from them, and a closed database's thread serves the next one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { translateConstraintError } from '../../src/store/errors.js';
import { openPglite } from '../../src/store/pglite.js';
import { backends, type TestDatabase } from '../support/database.js';

const pglite = backends.find(({ backend }) => backend.name === 'pglite')!.backend;

describe('PGlite on a thread of its own', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await pglite.open();
  });
  afterAll(async () => database?.drop());

  it('leaves the event loop free while a statement runs', async () => {
    let settled = false;
    const sleeping = sql`select pg_sleep(1)`.execute(database.opened.db).finally(() => (settled = true));
    // Turns of the event loop while PostgreSQL sleeps: in-process WebAssembly would hold the thread for the
    // whole second, and the statement would settle before the first of these.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await sleeping;
    expect(settled).toBe(true);
  });

  it("keeps an error's SQLSTATE, constraint and message, and the statement goes on working", async () => {
    const { db } = database.opened;
    const failed = await sql`select 1 / 0`.execute(db).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    expect(failed).toMatchObject({ code: '22012', message: 'division by zero' });

    // A schema of its own: the customers table's constraint of that name is in the public one.
    await sql`create schema scratch`.execute(db);
    await sql`create table scratch.emails (email text constraint customers_email_key unique)`.execute(db);
    await sql`insert into scratch.emails values (${'thread@example.com'})`.execute(db);
    const duplicate = await sql`insert into scratch.emails values (${'thread@example.com'})`
      .execute(db)
      .catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ code: '23505', constraint: 'customers_email_key' });
    // What the store makes of it (a unique violation on that constraint: the email is taken).
    expect(translateConstraintError(duplicate)).toEqual(new DomainError('email_taken'));
    // The statement and its parameters stay on the thread (they may hold secrets).
    expect(duplicate).not.toHaveProperty('params');
    expect(duplicate).not.toHaveProperty('query');
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });

  it('runs statements on their own between transactions, never inside one (the session is shared)', async () => {
    const { db } = database.opened;
    await sql`create table scratch_rows (n int)`.execute(db);
    const seen: number[] = [];
    const look = () =>
      sql<{ n: number }>`select count(*)::int as n from scratch_rows`
        .execute(db)
        .then(({ rows }) => seen.push(rows[0]!.n));
    const looks: Promise<unknown>[] = [];
    const rolledBack = db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into scratch_rows values (1)`.execute(trx);
        // Sent while the transaction is open: one run inside it would count the uncommitted row.
        for (let i = 0; i < 10; i++) looks.push(look());
        await sql`insert into scratch_rows values (2)`.execute(trx);
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    for (let i = 0; i < 10; i++) looks.push(look());
    expect(await rolledBack).toBe('roll back');
    await Promise.all(looks);
    expect(seen).toEqual(Array.from({ length: 20 }, () => 0));
  });

  it('writes a data directory another open reads, on the thread the first one left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-thread-'));
    try {
      const first = await openPglite(dataDir);
      await sql`create table kept (n int)`.execute(first);
      await sql`insert into kept values (7)`.execute(first);
      await first.destroy();
      const second = await openPglite(dataDir);
      expect((await sql<{ n: number }>`select n from kept`.execute(second)).rows).toEqual([{ n: 7 }]);
      await second.destroy();
      await expect(sql`select 1`.execute(second)).rejects.toThrow();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('loads a dumped cluster into a new data directory (made on a thread that ends, opened on the next)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-thread-'));
    try {
      const db = await openPglite(dataDir, {
        loadDataDir: new Blob([readFileSync(inject('pgliteTemplateDump'))]),
      });
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(db);
      expect(rows[0]!.n).toBeGreaterThan(0);
      await db.destroy();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

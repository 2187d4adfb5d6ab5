import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { hash } from '@node-rs/argon2';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrateToLatest } from '../../src/store/connect.js';
import { openCliDatabase, runCliHere, type CliDatabase } from '../support/cli.js';
import { backends } from '../support/database.js';

const ROWS = 10_000;
const HEADER = [
  'name_en',
  'name_ar',
  'email',
  'phone',
  'country',
  'password_hash',
  'password',
  'active',
  'emirate_id',
  'phone_verified',
];
/** Algorithm.Argon2id (a const enum the tests cannot import either). */
const ARGON2ID = 2;

/** Every cell quoted, as spreadsheets export: the hashes hold commas (m=…,t=…,p=…). */
const csv = (rows: readonly (readonly string[])[]) =>
  rows.map((row) => row.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',')).join('\r\n') + '\r\n';

/** A UAE mobile number of its own for each i. */
const phoneOf = (i: number) => `+97150${String(1_000_000 + i)}`;
const emailOf = (i: number) => `customer${i}@example.com`;

/** Customers already in the tenant (imported first): the rows that bring their phones again are rejected. */
const PRE_EXISTING = 30;
const preExistingPhone = (k: number) => `+97155${String(2_000_000 + k)}`;

/**
 * The defects of the bad rows, 30 rows each (3% of 10,000): how the row is spoiled, and the reason the
 * rejects file must give for it.
 */
const DEFECTS: { spoil(row: string[], i: number, k: number): string[]; reason: string }[] = [
  { spoil: (row, i) => set(row, 'email', `not-an-email-${i}`), reason: 'email: must be an email address' },
  { spoil: (row) => set(row, 'phone', '+9715012'), reason: 'phone: not a valid phone number' },
  {
    spoil: (row) => set(set(row, 'password_hash', ''), 'password', ''),
    reason: 'password: is required: a password hash (argon2id) or a password',
  },
  {
    spoil: (row) => set(row, 'password_hash', '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'),
    reason: 'password_hash: must be an argon2id hash in PHC form',
  },
  { spoil: (row) => set(row, 'name_en', 'N'.repeat(401)), reason: 'name_en: must be at most 400 characters' },
  { spoil: (row) => set(row, 'emirate_id', '99'), reason: 'emirate_id: is not an emirate id' },
  // Row 0 (line 2) is a good row: the same email in other letters is the same customer.
  { spoil: (row) => set(row, 'email', 'CUSTOMER0@example.com'), reason: 'email: is on line 2 too' },
  {
    spoil: (row, _i, k) => set(row, 'phone', preExistingPhone(k)),
    reason: 'phone: belongs to a customer of this tenant already',
  },
  { spoil: (row) => row.slice(0, -1), reason: 'row: has 9 fields where the first line has 10' },
  { spoil: (row) => set(row, 'active', 'maybe'), reason: 'active: must be true or false' },
];

function set(row: string[], column: string, value: string): string[] {
  const copy = [...row];
  copy[HEADER.indexOf(column)] = value;
  return copy;
}

/** Rows 7, 42 and 77 of each hundred are spoiled, each by the next defect in turn. */
const isBad = (i: number) => [7, 42, 77].includes(i % 100);

interface Fixture {
  file: string;
  /** The reason expected for each bad row's line. */
  expected: Map<number, string>;
  passwords: { hashed: string; plain: string };
}

async function writeFixture(dir: string): Promise<Fixture> {
  // Hashes another system made, with its own parameters (argon2-cffi's and libsodium's defaults).
  const [hashA, hashB] = await Promise.all([
    hash('password-of-the-old-system', {
      algorithm: ARGON2ID,
      memoryCost: 65_536,
      timeCost: 3,
      parallelism: 4,
    }),
    hash('another-old-password', { algorithm: ARGON2ID, memoryCost: 8_192, timeCost: 2, parallelism: 2 }),
  ]);
  const rows: string[][] = [HEADER];
  const expected = new Map<number, string>();
  let bad = 0;
  for (let i = 0; i < ROWS; i += 1) {
    // Some numbers in national form with their country, as many systems keep them.
    const national = i % 10 === 3;
    // A few with a plain password (hashed on import); the rest with the old system's hashes.
    const plain = i % 2_000 === 1_000;
    let row = [
      `Customer ${i}`,
      i % 5 === 0 ? `عميل ${i}` : '',
      emailOf(i),
      national ? `0${phoneOf(i).slice(4)}` : phoneOf(i),
      national ? 'AE' : '',
      plain ? '' : i % 2 === 0 ? hashA : hashB,
      plain ? `plain-password-${i}` : '',
      i % 50 === 1 ? 'no' : 'yes',
      i % 3 === 0 ? String((i % 7) + 1) : '',
      i % 4 === 0 ? 'true' : '',
    ];
    if (isBad(i)) {
      const defect = DEFECTS[bad % DEFECTS.length];
      if (defect === undefined) throw new Error('no defect');
      row = defect.spoil(row, i, Math.floor(bad / DEFECTS.length));
      expected.set(i + 2, defect.reason);
      bad += 1;
    }
    rows.push(row);
  }
  const file = join(dir, 'customers.csv');
  writeFileSync(file, csv(rows));
  return {
    file,
    expected,
    passwords: { hashed: 'password-of-the-old-system', plain: 'plain-password-1000' },
  };
}

const rejectsOf = (file: string) =>
  parse(readFileSync(file), { columns: true, bom: true, relax_column_count: true }) as Record<
    string,
    string
  >[];

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `otpgate customers import on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let database: CliDatabase;
      let fixture: Fixture;
      const cli = (args: string[], options: { terminal?: boolean } = {}) =>
        runCliHere(args, database.env, options);
      const customersOf = (tenant: string) =>
        database.use(async (db) => {
          const { count } = await db
            .selectFrom('customers')
            .select((eb) => eb.fn.countAll<string>().as('count'))
            .where('tenant', '=', tenant)
            .executeTakeFirstOrThrow();
          return Number(count);
        });

      beforeAll(async () => {
        database = await openCliDatabase(backend);
        await database.use(migrateToLatest);
        for (const code of ['shop', 'other']) {
          expect((await cli(['clients', 'create', code])).status).toBe(0);
        }
        fixture = await writeFixture(database.env.DATA_DIR ?? '');
        // Customers the tenant has already, and one of another tenant with an email of the file.
        const dir = database.env.DATA_DIR ?? '';
        const pre = [
          ['name_en', 'email', 'phone', 'password'],
          ...Array.from({ length: PRE_EXISTING }, (_, k) => [
            `Earlier ${k}`,
            `earlier${k}@example.com`,
            preExistingPhone(k),
            'earlier-password',
          ]),
        ];
        writeFileSync(join(dir, 'earlier.csv'), csv(pre));
        writeFileSync(
          join(dir, 'other.csv'),
          csv([pre[0] ?? [], ['Elsewhere', emailOf(5), phoneOf(5), 'x-password']]),
        );
        expect(
          (await cli(['customers', 'import', join(dir, 'earlier.csv'), '--client', 'shop'])).stdout,
        ).toBe(`${PRE_EXISTING} imported, 0 rejected.\n`);
        expect((await cli(['customers', 'import', join(dir, 'other.csv'), '--client', 'other'])).status).toBe(
          0,
        );
      }, 120_000);
      afterAll(async () => database?.drop());

      it('imports 10,000 rows with 3% bad ones (timed, not asserted on: a loaded machine is slow): the good ones in, each bad one listed with its line and reasons, progress shown', async () => {
        const started = performance.now();
        const run = await cli(['customers', 'import', fixture.file, '--client', 'shop']);
        const seconds = (performance.now() - started) / 1000;
        const rejects = fixture.file.replace(/\.csv$/, '.rejects.csv');
        expect(run.stderr).not.toContain('otpgate:');
        expect(run).toMatchObject({ status: 0, stdout: `9,700 imported, 300 rejected: see ${rejects}\n` });
        console.info(`customers import of ${ROWS} rows on ${backend.name}: ${seconds.toFixed(1)} s`);

        // Not a TTY: a line at each tenth, counting rows.
        const progress = run.stderr.split('\n').filter((line) => line.startsWith('customers import: '));
        expect(progress).toEqual(
          Array.from(
            { length: 10 },
            (_, tenth) =>
              `customers import: ${(tenth + 1) * 10}% (${((tenth + 1) * 1_000).toLocaleString('en-US')}/10,000 rows)`,
          ),
        );

        const rejected = rejectsOf(rejects);
        expect(rejected).toHaveLength(300);
        expect(rejected.map((row) => Number(row.line))).toEqual([...fixture.expected.keys()]);
        for (const row of rejected) {
          expect(row.reason, `line ${row.line}`).toContain(fixture.expected.get(Number(row.line)));
        }
        // The row's own cells follow, so it can be corrected there; never a password in a reason.
        expect(rejected.find((row) => row.line === '9')?.email).toBe('not-an-email-7');
        expect(rejected.some((row) => row.reason?.includes('password-of-the-old-system'))).toBe(false);
        expect(readFileSync(rejects, 'utf8').split('\r\n')[0] ?? '').toMatch(
          /^line,reason,name_en,name_ar,email,/,
        );

        expect(await customersOf('shop')).toBe(PRE_EXISTING + 9_700);
        // Another tenant's customer with the same email is another customer.
        expect(await customersOf('other')).toBe(1);
        const imported = await database.use(async (db) => {
          const shop = await db
            .selectFrom('api_clients')
            .select('id')
            .where('code', '=', 'shop')
            .executeTakeFirstOrThrow();
          const row3 = await db
            .selectFrom('customers')
            .selectAll()
            .where('email', '=', emailOf(3))
            .executeTakeFirstOrThrow();
          const counts = await sql<{
            verifications: string;
            messages: string;
            verified: string;
            inactive: string;
          }>`
          SELECT (SELECT count(*) FROM verifications) AS verifications,
                 (SELECT count(*) FROM sms_messages) AS messages,
                 (SELECT count(*) FROM customers WHERE tenant = 'shop' AND phone_verified) AS verified,
                 (SELECT count(*) FROM customers WHERE tenant = 'shop' AND NOT active) AS inactive`.execute(
            db,
          );
          // count(*) is a string on PostgreSQL (bigint) and a number on PGlite.
          const numbers = Object.entries(counts.rows[0] ?? {}).map(([key, value]) => [key, Number(value)]);
          return { shop: shop.id, row3, counts: Object.fromEntries(numbers) };
        });
        // The national number of row 3 read in its country, registered by the client, in its tenant.
        expect(imported.row3).toMatchObject({
          phone: phoneOf(3),
          client_id: imported.shop,
          tenant: 'shop',
          name_en: 'Customer 3',
          mobile_country_id: 784,
          phone_verified: false,
          active: true,
        });
        // No code was texted; phone_verified and active as the file says (good rows only).
        const good = Array.from({ length: ROWS }, (_, i) => i).filter((i) => !isBad(i));
        expect(imported.counts).toEqual({
          verifications: 0,
          messages: 0,
          verified: good.filter((i) => i % 4 === 0).length,
          inactive: good.filter((i) => i % 50 === 1).length,
        });
      }, 180_000);

      it("lets imported customers log in with their old system's password, or the plain one given", async () => {
        const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
        const results = await database.use(async (db) => {
          const config = loadConfig({
            DATA_DIR: database.env.DATA_DIR ?? '',
            CODE_SECRET: database.env.CODE_SECRET ?? '',
          });
          const app = await buildApp({
            config,
            database: { db, driver: backend.name },
            logStream: sink,
            devEcho: null,
            startDispatcher: false,
          });
          try {
            const login = (identity: string, password: string) =>
              app.domain.customers.authenticate(identity, password, 'shop').then(
                (customer) => customer.email,
                (error: { code?: string }) => error.code,
              );
            return await Promise.all([
              login(emailOf(2), fixture.passwords.hashed),
              login(phoneOf(4), fixture.passwords.hashed),
              login(emailOf(1000), fixture.passwords.plain),
              login(emailOf(6), 'not-the-password'),
            ]);
          } finally {
            await app.close();
          }
        });
        expect(results).toEqual([emailOf(2), emailOf(4), emailOf(1000), 'wrong_password']);
      });

      it('imports a corrected rejects file as it is, with a bar redrawn in place on a terminal', async () => {
        const rejects = fixture.file.replace(/\.csv$/, '.rejects.csv');
        const rows = parse(readFileSync(rejects), { relax_column_count: true }) as string[][];
        const email = (rows[0] ?? []).indexOf('email');
        // The bad emails corrected; the other rows left as they were.
        const corrected = rows.map((row) =>
          row.map((cell, index) =>
            index === email && cell.startsWith('not-an-email-') ? `${cell}@example.com` : cell,
          ),
        );
        const file = join(database.env.DATA_DIR ?? '', 'corrected.csv');
        writeFileSync(file, csv(corrected));

        const run = await cli(['customers', 'import', file, '--client', 'shop'], { terminal: true });
        expect(run).toMatchObject({
          status: 0,
          stdout: `30 imported, 270 rejected: see ${join(database.env.DATA_DIR ?? '', 'corrected.rejects.csv')}\n`,
        });
        expect(run.stderr).toContain(`\r\x1b[2Kcustomers import [${'-'.repeat(30)}] 0% 0/300 rows`);
        expect(run.stderr).toContain(`\r\x1b[2Kcustomers import [${'#'.repeat(30)}] 100% 300/300 rows\n`);
        expect(await customersOf('shop')).toBe(PRE_EXISTING + 9_730);
        // Its own rejects carry one line and one reason column, with the lines of the corrected file.
        const again = rejectsOf(join(database.env.DATA_DIR ?? '', 'corrected.rejects.csv'));
        expect(again).toHaveLength(270);
        expect(Object.keys(again[0] ?? {}).slice(0, 3)).toEqual(['line', 'reason', 'name_en']);
      });

      it('imports nothing from a file it cannot read through, and says why', async () => {
        const dir = database.env.DATA_DIR ?? '';
        const before = await customersOf('shop');
        const brokenQuote = join(dir, 'broken.csv');
        writeFileSync(
          brokenQuote,
          `name_en,email,phone,password\nNew,new@example.com,${phoneOf(20_000)},long-enough\n"Broken,b@example.com,+971501,x\n`,
        );
        const noPhone = join(dir, 'no-phone.csv');
        writeFileSync(noPhone, 'name_en,email,password\nNew,new@example.com,long-enough\n');
        const typo = join(dir, 'typo.csv');
        writeFileSync(typo, 'name_en,email,phone,pasword\n');

        const runs = await Promise.all([
          cli(['customers', 'import', join(dir, 'missing.csv'), '--client', 'shop']),
          cli(['customers', 'import', brokenQuote, '--client', 'shop']),
          cli(['customers', 'import', noPhone, '--client', 'shop']),
          cli(['customers', 'import', typo, '--client', 'shop']),
          cli(['customers', 'import', fixture.file, '--client', 'nobody']),
        ]);
        expect(runs.map((run) => run.status)).toEqual([1, 1, 1, 1, 1]);
        expect(runs.map((run) => run.stderr.split('\n')[0])).toEqual([
          expect.stringContaining('there is no such file'),
          expect.stringMatching(/broken\.csv is not CSV that can be read: Quote Not Closed.*line 3/),
          expect.stringContaining('phone missing'),
          expect.stringContaining('unknown column(s) "pasword"'),
          expect.stringContaining('No API client has the code "nobody"'),
        ]);
        expect(await customersOf('shop')).toBe(before);

        const usage = await Promise.all([
          cli(['customers', 'import', fixture.file]),
          cli(['customers', 'import', fixture.file, '--client', 'shop', '--rejects', fixture.file]),
        ]);
        expect(usage.map((run) => run.status)).toEqual([2, 2]);
        expect(usage[0]?.stderr).toContain('--client is required');
      });
    },
  );
}

/**
 * The operator console's read models (SQL only; domain/admin.ts owns the rules): lists newest first with
 * keyset pages, details, and the overview's counts over a period.
 */
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type {
  AdminQueryStore,
  AdminSessionStore,
  PageQuery,
  Period,
  TrafficFigures,
} from '../domain/admin-ports.js';
import type { Database } from './database.js';
import { toCustomer } from './customers.js';
import { toMessage } from './messages.js';
import { toVerification } from './verifications.js';

/** A LIKE pattern matching the text anywhere, with the text's own % _ \ taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Rows strictly after the page position in (created_at DESC, id DESC) order. */
function afterPosition<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  table: string,
  page: PageQuery,
): SelectQueryBuilder<DB, TB, O> {
  const ordered = query
    .orderBy(sql.ref(`${table}.created_at`), 'desc')
    .orderBy(sql.ref(`${table}.id`), 'desc')
    .limit(page.limit);
  if (page.after === undefined) return ordered;
  const { at, id } = page.after;
  return ordered.where(
    sql<boolean>`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)}::text) < (${at}::timestamptz, ${id})`,
  );
}

const count = (value: unknown) => Number(value ?? 0);

export function adminQueryStore(db: Kysely<Database>): AdminQueryStore {
  const verificationsWithClient = () =>
    db
      .selectFrom('verifications as v')
      .leftJoin('api_clients as c', 'c.id', 'v.client_id')
      .selectAll('v')
      .select((eb: ExpressionBuilder<Database & { v: Database['verifications'] }, 'v'>) => [
        eb
          .selectFrom('verification_sends as s')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('s.verification_id', '=', 'v.id')
          .as('send_count'),
      ])
      .select('c.code as client_code');
  const messagesWithClient = () =>
    db
      .selectFrom('sms_messages as m')
      .leftJoin('api_clients as c', 'c.id', 'm.client_id')
      .selectAll('m')
      .select('c.code as client_code');
  const customersWithOwner = () =>
    db
      .selectFrom('customers as cu')
      .leftJoin('api_clients as c', 'c.id', 'cu.client_id')
      .selectAll('cu')
      .select('c.code as owner_code');

  const verificationRow = (
    row: Awaited<ReturnType<ReturnType<typeof verificationsWithClient>['execute']>>[0],
  ) => {
    const { codeHash: _secret, ...rest } = toVerification(row);
    return { ...rest, clientCode: row.client_code, sends: count(row.send_count) };
  };
  const messageRow = (row: Awaited<ReturnType<ReturnType<typeof messagesWithClient>['execute']>>[0]) => ({
    ...toMessage(row),
    clientCode: row.client_code,
  });
  const customerRow = (row: Awaited<ReturnType<ReturnType<typeof customersWithOwner>['execute']>>[0]) => {
    const { passwordHash: _secret, ownerClientId: _owner, ...rest } = toCustomer(row);
    return { ...rest, ownerClientCode: row.owner_code };
  };

  return {
    async verifications(filter, page) {
      let query = verificationsWithClient();
      if (filter.phoneDigits !== undefined) query = query.where('v.phone', 'like', `+${filter.phoneDigits}%`);
      if (filter.status === 'expired') {
        query = query.where((eb) =>
          eb.or([
            eb('v.status', '=', 'expired'),
            eb.and([eb('v.status', '=', 'pending'), eb('v.expires_at', '<=', filter.now)]),
          ]),
        );
      } else if (filter.status === 'pending') {
        query = query.where('v.status', '=', 'pending').where('v.expires_at', '>', filter.now);
      } else if (filter.status !== undefined) {
        query = query.where('v.status', '=', filter.status);
      }
      if (filter.purpose !== undefined) query = query.where('v.purpose', '=', filter.purpose);
      if (filter.clientCode !== undefined) query = query.where('c.code', '=', filter.clientCode);
      if (filter.period !== undefined) {
        query = query
          .where('v.created_at', '>=', filter.period.from)
          .where('v.created_at', '<', filter.period.to);
      }
      const rows = await afterPosition(query, 'v', page).execute();
      return rows.map(verificationRow);
    },

    async verification(id) {
      const row = await verificationsWithClient().where('v.id', '=', id).executeTakeFirst();
      return row && verificationRow(row);
    },

    async checksOf(verificationId) {
      const rows = await db
        .selectFrom('verification_checks')
        .select(['result', 'created_at'])
        .where('verification_id', '=', verificationId)
        .orderBy('id')
        .execute();
      return rows.map((row) => ({ result: row.result, at: row.created_at }));
    },

    async messagesOf(verificationId) {
      const rows = await messagesWithClient()
        .where('m.verification_id', '=', verificationId)
        .orderBy('m.created_at')
        .orderBy('m.id')
        .execute();
      return rows.map(messageRow);
    },

    async messages(filter, page) {
      let query = messagesWithClient();
      if (filter.phoneDigits !== undefined)
        query = query.where('m.recipient', 'like', `+${filter.phoneDigits}%`);
      if (filter.status !== undefined) query = query.where('m.status', '=', filter.status);
      if (filter.period !== undefined) {
        query = query
          .where('m.created_at', '>=', filter.period.from)
          .where('m.created_at', '<', filter.period.to);
      }
      const rows = await afterPosition(query, 'm', page).execute();
      return rows.map(messageRow);
    },

    async message(id) {
      const row = await messagesWithClient().where('m.id', '=', id).executeTakeFirst();
      return row && messageRow(row);
    },

    async partsOf(messageId) {
      const rows = await db
        .selectFrom('sms_message_parts')
        .selectAll()
        .where('message_id', '=', messageId)
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({
        seq: row.seq,
        provider: row.provider,
        ref: row.part_ref,
        status: row.status,
        errorCode: row.error_code,
        updatedAt: row.updated_at,
      }));
    },

    async customers(filter, page) {
      let query = customersWithOwner();
      if (filter.phoneDigits !== undefined)
        query = query.where('cu.phone', 'like', `+${filter.phoneDigits}%`);
      if (filter.tenant !== undefined) query = query.where('cu.tenant', '=', filter.tenant);
      const { text } = filter;
      if (text !== undefined) {
        const pattern = containing(text);
        query = query.where((eb) =>
          eb.or([
            eb('cu.name_en', 'ilike', pattern),
            eb('cu.name_ar', 'ilike', pattern),
            eb('cu.email', 'ilike', pattern),
          ]),
        );
      }
      const rows = await afterPosition(query, 'cu', page).execute();
      return rows.map(customerRow);
    },

    async customer(id) {
      const row = await customersWithOwner().where('cu.id', '=', id).executeTakeFirst();
      return row && customerRow(row);
    },

    async clients(page, dayStart) {
      const rows = await afterPosition(
        db
          .selectFrom('api_clients as ac')
          .select((eb) => [
            'ac.id',
            'ac.code',
            'ac.name',
            'ac.tenant',
            'ac.active',
            'ac.sms_countries',
            'ac.created_at',
            'ac.updated_at',
            eb
              .selectFrom('send_budgets as sb')
              .select('sb.sent')
              .whereRef('sb.tenant', '=', 'ac.tenant')
              .where('sb.scope', '=', 'day')
              .where('sb.period_start', '=', dayStart)
              .as('sent_today'),
          ]),
        'ac',
        page,
      ).execute();
      return rows.map(({ created_at, updated_at, sms_countries, sent_today, ...client }) => ({
        ...client,
        smsCountries: sms_countries === null ? null : sms_countries.split(','),
        sentToday: Number(sent_today ?? 0),
        createdAt: created_at,
        updatedAt: updated_at,
      }));
    },

    traffic: (period, buckets, prefixLength) => traffic(db, period, buckets, prefixLength),
  };
}

async function traffic(
  db: Kysely<Database>,
  { from, to }: Period,
  buckets: number,
  prefixLength: number,
): Promise<TrafficFigures> {
  const bucketSeconds = (to.getTime() - from.getTime()) / 1000 / buckets;
  // The bucket a row falls in, counted from the period's start (no time zone involved); the period's last
  // moment (now) belongs to the last bucket.
  const bucketOf = sql<number>`least(floor(extract(epoch from (created_at - ${from}::timestamptz)) / ${bucketSeconds}::float8)::int, ${buckets - 1}::int)`;
  const inPeriod = sql<boolean>`created_at >= ${from}::timestamptz AND created_at <= ${to}::timestamptz`;

  const [verifications, sends, delivery, costs, prefixes] = await Promise.all([
    sql<{ index: number; started: string; approved: string }>`
      SELECT ${bucketOf} AS index, count(*) AS started, count(*) FILTER (WHERE status = 'approved') AS approved
      FROM verifications WHERE ${inPeriod} GROUP BY 1`.execute(db),
    sql<{ index: number; sends: string }>`
      SELECT ${bucketOf} AS index, count(*) AS sends FROM verification_sends WHERE ${inPeriod} GROUP BY 1`.execute(
      db,
    ),
    sql<{ handed: string; delivered: string }>`
      SELECT count(*) FILTER (WHERE provider IS NOT NULL) AS handed,
             count(*) FILTER (WHERE status = 'delivered') AS delivered
      FROM sms_messages WHERE ${inPeriod}`.execute(db),
    sql<{ currency: string; amount: string }>`
      SELECT currency, sum(price) AS amount FROM sms_messages
      WHERE ${inPeriod} AND price IS NOT NULL AND currency IS NOT NULL GROUP BY currency ORDER BY currency`.execute(
      db,
    ),
    sql<{ prefix: string; sample: string; started: string; approved: string }>`
      SELECT left(phone, ${prefixLength}::int) AS prefix, min(phone) AS sample, count(*) AS started,
             count(*) FILTER (WHERE status = 'approved') AS approved
      FROM verifications WHERE ${inPeriod} GROUP BY 1`.execute(db),
  ]);

  const byIndex = new Map<number, { index: number; started: number; approved: number; sends: number }>();
  const bucket = (index: number) => {
    const found = byIndex.get(index) ?? { index, started: 0, approved: 0, sends: 0 };
    byIndex.set(index, found);
    return found;
  };
  for (const row of verifications.rows) {
    Object.assign(bucket(Number(row.index)), { started: count(row.started), approved: count(row.approved) });
  }
  for (const row of sends.rows) bucket(Number(row.index)).sends = count(row.sends);
  const all = [...byIndex.values()];
  return {
    started: all.reduce((sum, b) => sum + b.started, 0),
    approved: all.reduce((sum, b) => sum + b.approved, 0),
    sends: all.reduce((sum, b) => sum + b.sends, 0),
    handed: count(delivery.rows[0]?.handed),
    delivered: count(delivery.rows[0]?.delivered),
    costs: costs.rows.map((row) => ({ currency: row.currency, amount: Number(row.amount) })),
    buckets: all.sort((a, b) => a.index - b.index),
    prefixes: prefixes.rows.map((row) => ({
      prefix: row.prefix,
      sample: row.sample,
      started: count(row.started),
      approved: count(row.approved),
    })),
  };
}

export function adminSessionStore(db: Kysely<Database>): AdminSessionStore {
  return {
    async insert(session) {
      await db
        .insertInto('admin_sessions')
        .values({ token_hash: session.tokenHash, created_at: session.now, expires_at: session.expiresAt })
        .execute();
    },
    async live(tokenHash, now) {
      const row = await db
        .selectFrom('admin_sessions')
        .select('token_hash')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row !== undefined;
    },
    async delete(tokenHash) {
      await db.deleteFrom('admin_sessions').where('token_hash', '=', tokenHash).execute();
    },
    async deleteExpired(now) {
      await db.deleteFrom('admin_sessions').where('expires_at', '<=', now).execute();
    },
  };
}

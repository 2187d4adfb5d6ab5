/**
 * The operator console's rules: what an operator sees (every tenant, numbers masked except in a
 * verification's detail), how its lists page, what the overview counts, and what an operator may change
 * (a customer's or client's active flag, client keys, the guard's prefixes). Storage is behind AdminQueryStore.
 */
import type {
  AdminClientRow,
  AdminCustomerRow,
  AdminMessageRow,
  AdminQueryStore,
  AdminVerificationRow,
  FraudConsole,
  ListPosition,
  MessagePartRow,
  PageQuery,
  Period,
} from './admin-ports.js';
import type { ClientRegistry, Clients } from './clients.js';
import type { createCustomers } from './customers.js';
import { DomainError } from './errors.js';
import { countryOf, isPhoneCountry, maskPhone } from './phones.js';
import type { Clock } from './ports.js';
import type { MessageStatus, Purpose, VerificationStatus } from './types.js';

/** '+' and five digits: the country code and the start of an operator's range (+97150, +44770, +12025). */
export const PREFIX_LENGTH = 6;
export const PAGE_SIZE_DEFAULT = 25;
export const PAGE_SIZE_MAX = 100;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The periods the overview offers, each with the buckets its charts are drawn in. */
export const OVERVIEW_PERIODS = {
  '24h': { span: DAY, buckets: 24 },
  '7d': { span: 7 * DAY, buckets: 7 },
  '30d': { span: 30 * DAY, buckets: 30 },
  '90d': { span: 90 * DAY, buckets: 45 },
} as const;
export type OverviewPeriod = keyof typeof OVERVIEW_PERIODS;

export interface PageInput {
  cursor?: string;
  limit?: number;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(`${position.at.toISOString()}|${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  const [at = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at);
  if (rest.length > 0 || id === '' || Number.isNaN(date.getTime()) || !/^[\w-]{1,100}$/.test(id)) {
    throw new DomainError('invalid_cursor');
  }
  return { at: date, id };
}

function pageQuery(input: PageInput): PageQuery {
  const limit = Math.min(Math.max(input.limit ?? PAGE_SIZE_DEFAULT, 1), PAGE_SIZE_MAX);
  return { after: input.cursor === undefined ? undefined : decodeCursor(input.cursor), limit: limit + 1 };
}

/** Rows asked with one more than the limit: that extra row only says a next page exists. */
function toPage<R, T>(rows: R[], query: PageQuery, position: (row: R) => ListPosition, view: (row: R) => T) {
  const limit = query.limit - 1;
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(view),
    next: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}

/** What an operator types in a phone search: the digits, whatever the spaces, dashes or leading +. */
export function phoneDigits(raw: string | undefined): string | undefined {
  const digits = (raw ?? '').replace(/\D/g, '');
  return digits === '' ? undefined : digits;
}

export function periodOf(from: Date | undefined, to: Date | undefined): Period | undefined {
  if (from === undefined && to === undefined) return undefined;
  return { from: from ?? new Date(0), to: to ?? new Date(8.64e15) };
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** A message's statuses in the order they happened, from the moments recorded for each. */
export function messageTimeline(message: AdminMessageRow): { status: MessageStatus; at: Date }[] {
  const moments: [MessageStatus, Date | null][] = [
    ['queued', message.createdAt],
    ['sending', message.sendingAt],
    ['sent', message.sentAt],
    ['delivered', message.deliveredAt],
    ['undelivered', message.undeliveredAt],
    ['failed', message.failedAt],
  ];
  return moments
    .filter((moment): moment is [MessageStatus, Date] => moment[1] !== null)
    .map(([status, at]) => ({ status, at }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

type Customers = ReturnType<typeof createCustomers>;

/** The send budget's day: UTC midnight (domain/send-guard.ts counts a tenant's codes per UTC day). */
const floorToUtcDay = (at: Date) => new Date(Math.floor(at.getTime() / 86_400_000) * 86_400_000);

export function createAdmin(deps: {
  queries: AdminQueryStore;
  registry: ClientRegistry;
  /** The server's own key cache, emptied when the console changes a client. */
  clients: Clients;
  customers: Customers;
  /** The SMS-pumping guard's console side; undefined where the guard is not built in. */
  fraud: FraudConsole | undefined;
  /** What a client may text without countries of its own, and its tenant's day budget (SMS_COUNTRIES, SEND_BUDGET_*). */
  sending: { defaultCountries: readonly string[]; tenantSendsPerDay: number };
  clock: Clock;
}) {
  const { queries, clock } = deps;

  const verificationView = (row: AdminVerificationRow, now: Date, masked: boolean) => ({
    ...row,
    to: masked ? maskPhone(row.to) : row.to,
    status: row.status === 'pending' && row.expiresAt <= now ? ('expired' as const) : row.status,
  });
  const messageView = (row: AdminMessageRow, masked: boolean) => ({
    ...row,
    to: masked ? maskPhone(row.to) : row.to,
  });
  const customerView = (row: AdminCustomerRow) => ({
    ...row,
    phone: maskPhone(row.phone),
    pendingPhone: row.pendingPhone === null ? null : maskPhone(row.pendingPhone),
  });
  const byCreation = (row: { createdAt: Date; id: string }) => ({ at: row.createdAt, id: row.id });

  async function messageDetail(row: AdminMessageRow, masked: boolean) {
    const parts: MessagePartRow[] = await queries.partsOf(row.id);
    return { ...messageView(row, masked), timeline: messageTimeline(row), partList: parts };
  }

  function fraud(): FraudConsole {
    if (deps.fraud === undefined) throw new DomainError('not_available');
    return deps.fraud;
  }

  return {
    async verifications(
      filter: {
        phone?: string;
        status?: VerificationStatus;
        purpose?: Purpose;
        client?: string;
        from?: Date;
        to?: Date;
      },
      page: PageInput,
    ) {
      const now = clock.now();
      const query = pageQuery(page);
      const rows = await queries.verifications(
        {
          phoneDigits: phoneDigits(filter.phone),
          status: filter.status,
          purpose: filter.purpose,
          clientCode: filter.client,
          period: periodOf(filter.from, filter.to),
          now,
        },
        query,
      );
      return toPage(rows, query, byCreation, (row) => verificationView(row, now, true));
    },

    /** The one place a whole number is shown: the operator opened this verification to look into it. */
    async verification(id: string) {
      const row = await queries.verification(id);
      if (row === undefined) throw new DomainError('verification_not_found');
      const [messages, checks] = await Promise.all([queries.messagesOf(id), queries.checksOf(id)]);
      return {
        ...verificationView(row, clock.now(), false),
        messages: await Promise.all(messages.map((message) => messageDetail(message, false))),
        checkList: checks,
      };
    },

    async messages(
      filter: { phone?: string; status?: MessageStatus; from?: Date; to?: Date },
      page: PageInput,
    ) {
      const query = pageQuery(page);
      const rows = await queries.messages(
        {
          phoneDigits: phoneDigits(filter.phone),
          status: filter.status,
          period: periodOf(filter.from, filter.to),
        },
        query,
      );
      return toPage(rows, query, byCreation, (row) => messageView(row, true));
    },

    async message(id: string) {
      const row = await queries.message(id);
      if (row === undefined) throw new DomainError('message_not_found');
      return messageDetail(row, true);
    },

    async customers(filter: { phone?: string; text?: string; tenant?: string }, page: PageInput) {
      const query = pageQuery(page);
      const text = filter.text?.trim();
      const rows = await queries.customers(
        {
          phoneDigits: phoneDigits(filter.phone),
          text: text === '' ? undefined : text,
          tenant: filter.tenant,
        },
        query,
      );
      return toPage(rows, query, byCreation, customerView);
    },

    async customer(id: string) {
      const row = await queries.customer(id);
      if (row === undefined) throw new DomainError('customer_not_found');
      return customerView(row);
    },

    /** Disables or enables a customer through the same rule every face uses. */
    async setCustomerActive(id: string, active: boolean) {
      const row = await queries.customer(id);
      if (row === undefined) throw new DomainError('customer_not_found');
      await deps.customers.update(id, row.tenant, { active });
      return this.customer(id);
    },

    /** Each client with the countries it may text and its tenant's sends today against the day's budget. */
    async clients(page: PageInput) {
      const query = pageQuery(page);
      const rows = await queries.clients(query, floorToUtcDay(clock.now()));
      return toPage(rows, query, byCreation, (row: AdminClientRow) => ({
        ...row,
        countries: row.smsCountries ?? null,
        defaultCountries: deps.sending.defaultCountries,
        sendsPerDay: deps.sending.tenantSendsPerDay,
      }));
    },

    /** Geo permissions: the countries the client may text (ISO alpha-2, '*' every one); null: SMS_COUNTRIES. */
    async setClientCountries(code: string, countries: readonly string[] | null) {
      const upper = countries?.map((country) => country.trim().toUpperCase()) ?? null;
      const wrong = (upper ?? []).filter((country) => country !== '*' && !isPhoneCountry(country));
      if (wrong.length > 0) {
        throw new DomainError('invalid_request', {
          details: [
            {
              field: '/countries',
              problem: `not ISO alpha-2 countries with phone numbers: ${wrong.join(', ')}`,
            },
          ],
        });
      }
      const client = await deps.registry.setCountries(code, upper);
      deps.clients.forget();
      return client;
    },

    /** The key is in this answer only: it is kept hashed and sealed. */
    async createClient(input: { code: string; name?: string; tenant?: string }) {
      const { client, key } = await deps.registry.create(
        input.code,
        input.name ?? input.code,
        input.tenant ?? input.code,
      );
      return { client, key };
    },

    /** A new key; the old one stops working on this node at once, on others within the key cache's time. */
    async rotateClient(code: string) {
      const rotated = await deps.registry.rotate(code);
      deps.clients.forget();
      return rotated;
    },

    async setClientActive(code: string, active: boolean) {
      const client = await deps.registry.setActive(code, active);
      deps.clients.forget();
      return client;
    },

    /** Traffic over the period that ends now: totals, the charts' buckets, and conversion by country and prefix. */
    async overview(name: OverviewPeriod) {
      const { span, buckets } = OVERVIEW_PERIODS[name];
      const to = clock.now();
      const from = new Date(to.getTime() - span);
      const bucketMs = span / buckets;
      const figures = await queries.traffic({ from, to }, buckets, PREFIX_LENGTH);
      const series = Array.from({ length: buckets }, (_, index) => {
        const found = figures.buckets.find((bucket) => bucket.index === index);
        return {
          from: new Date(from.getTime() + index * bucketMs),
          started: found?.started ?? 0,
          approved: found?.approved ?? 0,
          sends: found?.sends ?? 0,
        };
      });
      const prefixes = figures.prefixes.map((group) => ({
        prefix: group.prefix,
        country: countryOf(group.sample) ?? null,
        started: group.started,
        approved: group.approved,
        conversionRate: ratio(group.approved, group.started),
      }));
      const countries = new Map<string | null, { started: number; approved: number }>();
      for (const group of prefixes) {
        const sum = countries.get(group.country) ?? { started: 0, approved: 0 };
        sum.started += group.started;
        sum.approved += group.approved;
        countries.set(group.country, sum);
      }
      // Worst first: the lowest conversion on top, and of equal ones the busiest.
      const worstFirst = <T extends { conversionRate: number | null; started: number }>(rows: T[]) =>
        rows.sort((a, b) => (a.conversionRate ?? 0) - (b.conversionRate ?? 0) || b.started - a.started);
      return {
        from,
        to,
        bucketSeconds: bucketMs / 1000,
        started: figures.started,
        approved: figures.approved,
        conversionRate: ratio(figures.approved, figures.started),
        sends: figures.sends,
        handed: figures.handed,
        delivered: figures.delivered,
        deliveryRate: ratio(figures.delivered, figures.handed),
        costs: figures.costs,
        series,
        countries: worstFirst(
          [...countries].map(([country, sum]) => ({
            country,
            ...sum,
            conversionRate: ratio(sum.approved, sum.started),
          })),
        ),
        prefixes: worstFirst(prefixes),
      };
    },

    fraud: {
      async blockedPrefixes(page: PageInput) {
        const query = pageQuery(page);
        const rows = await fraud().blockedPrefixes(query);
        return toPage(
          rows,
          query,
          (row) => ({ at: row.blockedAt, id: row.id }),
          (row) => row,
        );
      },
      async block(prefix: string, reason: string) {
        return fraud().block(prefix, reason, clock.now());
      },
      async unblock(prefix: string) {
        if (!(await fraud().unblock(prefix, clock.now()))) throw new DomainError('prefix_not_found');
      },
      async safeList(page: PageInput) {
        const query = pageQuery(page);
        const rows = await fraud().safeList(query);
        return toPage(
          rows,
          query,
          (row) => ({ at: row.addedAt, id: row.id }),
          (row) => row,
        );
      },
      async addSafe(prefix: string, note: string | null) {
        return fraud().addSafe(prefix, note, clock.now());
      },
      async removeSafe(prefix: string) {
        if (!(await fraud().removeSafe(prefix, clock.now()))) throw new DomainError('prefix_not_found');
      },
      async events(filter: { type?: string; phone?: string; from?: Date; to?: Date }, page: PageInput) {
        const query = pageQuery(page);
        const rows = await fraud().events(
          {
            type: filter.type,
            phoneDigits: phoneDigits(filter.phone),
            period: periodOf(filter.from, filter.to),
          },
          query,
        );
        return toPage(
          rows,
          query,
          (row) => ({ at: row.at, id: row.id }),
          // Subjects are written masked (security-events.ts): a prefix, or a number with its middle hidden.
          (row) => row,
        );
      },
    },
  };
}

export type Admin = ReturnType<typeof createAdmin>;

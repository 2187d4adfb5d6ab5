/**
 * What stands between a request and an SMS with a code, after the phone's own limits: the countries the
 * client may text, the SMS-pumping guard (Twilio's Fraud Guard is the model) and the send budgets.
 *
 * The guard counts, per tenant and per number prefix at several lengths (the country code plus 2, 3 and 5
 * national digits by default), the codes sent and approved in a sliding window (an hour, in minute buckets,
 * in the database every node shares). The rule: a prefix is blocked when its unconverted sends in the window
 * exceed maxUnconverted (20) plus nine for every approval, that is more than 20 sends nobody used, or, past
 * those, a conversion under minConversionPercent (10%). The longest prefix is judged on its own sends; a
 * shorter one on its sends outside the number's next longer prefix, so that it is blocked only when the
 * pumping spreads beyond one sub-range. The longest prefix that trips is blocked, and its counts are taken
 * off the shorter ones: an attack on one 5-digit range blocks that range and leaves its neighbours and its
 * country's busy prefixes open. A block lasts blockSeconds (12 h), doubled on each repeat. docs/security.md.
 */
import { DomainError } from './errors.js';
import { callingCodeOf, countryOf, maskPhone } from './phones.js';
import type { SendGuardPolicy } from './policies.js';
import { EVERY_TENANT, type CountedSend, type PrefixBlock, type PrefixWindow, type Store } from './ports.js';
import { whoOf, type SecurityEvents } from './security-events.js';
import type { Caller } from './types.js';

const MINUTE_MS = 60_000;
/**
 * How long a node refuses a range it saw blocked without asking the database again: an attack's refusals then
 * cost no transaction. An operator's unblock or safe entry made elsewhere (the CLI) is seen within this time.
 */
export const KNOWN_BLOCK_MS = 30_000;
const KNOWN_BLOCKS_MAX = 10_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const floorTo = (date: Date, ms: number) => new Date(Math.floor(date.getTime() / ms) * ms);
const secondsBetween = (later: Date, earlier: Date) =>
  Math.max(1, Math.ceil((later.getTime() - earlier.getTime()) / 1000));

/** The prefixes counted for a number: its country code plus each length of national digits, shortest first. */
export function countedPrefixes(phone: string, nationalDigits: readonly number[]): string[] {
  const callingCode = callingCodeOf(phone) ?? phone.slice(1, 2);
  const national = phone.slice(1 + callingCode.length);
  const prefixes = [...nationalDigits]
    .sort((a, b) => a - b)
    .map((digits) => `+${callingCode}${national.slice(0, Math.min(digits, national.length))}`);
  return [...new Set(prefixes)];
}

/** Every leading part of a number ('+9', '+98', ... the number): a block or safe entry of any length matches one. */
export function leadingParts(phone: string): string[] {
  return Array.from({ length: phone.length - 1 }, (_, index) => phone.slice(0, index + 2));
}

/** An E.164 prefix as operators write it: '+' and 1 to 15 digits. */
export function isPrefix(value: string): boolean {
  return /^\+[1-9]\d{0,14}$/.test(value);
}

export function createSendGuard(deps: { policy: SendGuardPolicy; events: SecurityEvents }) {
  const { policy, events } = deps;
  /** Blocks in force this node has seen, by tenant and prefix: until when it refuses on its own. */
  const knownBlocks = new Map<string, { until: number; block: PrefixBlock }>();

  function learnBlocks(seen: CountedSend, now: Date): void {
    for (const block of seen.blocks) {
      // A block with a safe entry inside it cannot refuse every number under it unasked.
      if (block.blockedUntil === null || block.blockedUntil <= now || block.safeInside) continue;
      if (knownBlocks.size >= KNOWN_BLOCKS_MAX) knownBlocks.clear();
      const until = Math.min(block.blockedUntil.getTime(), now.getTime() + KNOWN_BLOCK_MS);
      knownBlocks.set(`${block.tenant}|${block.prefix}`, { until, block });
    }
  }

  function knownBlock(phone: string, tenant: string, now: Date): PrefixBlock | undefined {
    for (const part of leadingParts(phone).reverse()) {
      for (const owner of [tenant, EVERY_TENANT]) {
        const known = knownBlocks.get(`${owner}|${part}`);
        if (known !== undefined && known.until > now.getTime()) return known.block;
      }
    }
    return undefined;
  }

  function refusePrefix(
    phone: string,
    caller: Caller,
    refused: { prefix: string; why: string; block?: PrefixBlock },
  ) {
    const { prefix, block } = refused;
    events.detached(
      {
        type: 'send_refused',
        ...whoOf(caller),
        subject: prefix,
        summary: `${prefix}: a code to ${maskPhone(phone)} refused, the range is ${refused.why}`,
        figures: {
          reason: 'prefix_blocked',
          prefix,
          source: block?.source ?? 'config',
          blockedUntil: block?.blockedUntil?.toISOString() ?? null,
        },
      },
      `prefix_blocked|${caller.tenant}|${prefix}`,
    );
    return new DomainError('prefix_blocked');
  }

  /** Unconverted sends beyond what the minimum conversion explains for the approvals, past the free ones. */
  function isPumped(window: PrefixWindow): boolean {
    const unconverted = Math.max(0, window.sent - window.approved);
    const explained = (window.approved * (100 - policy.minConversionPercent)) / policy.minConversionPercent;
    return unconverted > policy.maxUnconverted + explained;
  }

  /** A block placed within repeatMemorySeconds of the previous one's end repeats it, and doubles. */
  function nextBlock(previous: PrefixBlock | undefined, now: Date) {
    const ended = previous?.blockedUntil ?? previous?.updatedAt;
    const repeats =
      previous !== undefined &&
      ended !== undefined &&
      now.getTime() - ended.getTime() < policy.repeatMemorySeconds * 1000
        ? previous.repeats + 1
        : 1;
    const seconds = Math.min(policy.blockSeconds * 2 ** (repeats - 1), policy.maxBlockSeconds);
    return { repeats, seconds, until: new Date(now.getTime() + seconds * 1000) };
  }

  function budgetsOf(tenant: string, country: string, now: Date) {
    const day = floorTo(now, DAY_MS);
    const hour = floorTo(now, HOUR_MS);
    const countryScope = `country:${country}`;
    return [
      {
        scope: 'day',
        periodStart: day,
        ends: new Date(day.getTime() + DAY_MS),
        limit: policy.tenantSendsPerDay,
      },
      {
        scope: countryScope,
        periodStart: hour,
        ends: new Date(hour.getTime() + HOUR_MS),
        limit: policy.countrySendsPerHourOverrides.get(country) ?? policy.countrySendsPerHour,
      },
    ];
  }

  function refuseBlocked(seen: CountedSend, phone: string, caller: Caller, now: Date): void {
    const configured = policy.blockedPrefixes.find((prefix) => phone.startsWith(prefix));
    if (configured !== undefined) {
      throw refusePrefix(phone, caller, {
        prefix: configured,
        why: 'a high-risk range (GUARD_BLOCKED_PREFIXES)',
      });
    }
    const inForce = seen.blocks
      .filter((block) => block.blockedUntil !== null && block.blockedUntil > now)
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    if (inForce !== undefined)
      throw refusePrefix(phone, caller, { prefix: inForce.prefix, why: 'blocked', block: inForce });
  }

  function refuseOverBudget(seen: CountedSend, caller: Caller, country: string, now: Date): void {
    for (const budget of budgetsOf(caller.tenant, country, now)) {
      const sent = seen.budgets.find((spent) => spent.scope === budget.scope)?.sent ?? 0;
      if (sent <= budget.limit) continue;
      const per = budget.scope === 'day' ? 'day' : `hour to ${country}`;
      events.detached(
        {
          type: 'send_budget_exceeded',
          ...whoOf(caller),
          subject: budget.scope,
          summary: `${budget.limit} codes a ${per} spent: further codes refused until ${budget.ends.toISOString()}`,
          figures: { scope: budget.scope, budget: budget.limit, until: budget.ends.toISOString() },
        },
        `budget|${caller.tenant}|${budget.scope}`,
      );
      throw new DomainError('send_budget_exceeded', { retryAfterSeconds: secondsBetween(budget.ends, now) });
    }
  }

  /**
   * Blocks the longest counted prefix the rule trips, if any: this send still goes (the one that placed the
   * block), a send that trips it while a block is already in force (placed by a concurrent one) does not.
   */
  async function blockIfPumped(
    tx: Store,
    phone: string,
    seen: CountedSend,
    counted: readonly string[],
    caller: Caller,
    now: Date,
  ): Promise<void> {
    const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000);
    const longestFirst = [...seen.windows].sort((a, b) => b.prefix.length - a.prefix.length);
    // A shorter prefix on what it holds outside the number's next longer one: a single sub-range that is
    // filling up (or a real user's code still pending beside it) is that sub-range's to answer for.
    const pumped = longestFirst.find((window, index) => {
      const inner = longestFirst[index - 1];
      return isPumped(
        inner === undefined
          ? window
          : { ...window, sent: window.sent - inner.sent, approved: window.approved - inner.approved },
      );
    });
    if (pumped === undefined) return;
    const previous = seen.blocks.find(
      (block) => block.tenant === caller.tenant && block.prefix === pumped.prefix,
    );
    const next = nextBlock(previous, now);
    const minutes = Math.max(1, Math.ceil((now.getTime() - pumped.since.getTime()) / MINUTE_MS));
    const figures = `${pumped.sent} sent, ${pumped.approved} approved in ${minutes} min`;
    const placed = await tx.sendGuard.placeBlock(
      {
        tenant: caller.tenant,
        prefix: pumped.prefix,
        blockedUntil: next.until,
        repeats: next.repeats,
        source: 'guard',
        reason: figures,
        blockedAt: now,
      },
      { ancestors: counted.filter((prefix) => prefix.length < pumped.prefix.length), windowStart },
      now,
    );
    if (!placed) throw refusePrefix(phone, caller, { prefix: pumped.prefix, why: 'blocked' });
    await events.within(tx, {
      type: 'prefix_blocked',
      ...whoOf(caller),
      subject: pumped.prefix,
      summary: `${pumped.prefix}: ${figures}; blocked ${Math.round(next.seconds / 3600)} h (block ${next.repeats})`,
      figures: {
        prefix: pumped.prefix,
        sent: pumped.sent,
        approved: pumped.approved,
        minutes,
        blockedUntil: next.until.toISOString(),
        blockSeconds: next.seconds,
        repeats: next.repeats,
        rule: { maxUnconverted: policy.maxUnconverted, minConversionPercent: policy.minConversionPercent },
      },
    });
  }

  return {
    /**
     * Before anything is written: refuses a number outside the caller's countries, or in a range this node
     * knows to be blocked (no transaction for an attack's refusals).
     */
    screen(phone: string, caller: Caller, now: Date): void {
      this.permitCountry(phone, caller);
      const known = knownBlock(phone, caller.tenant, now);
      if (known !== undefined)
        throw refusePrefix(phone, caller, { prefix: known.prefix, why: 'blocked', block: known });
    },

    /** Forgets the blocks this node knows of (an operator changed the rules here). */
    forgetKnownBlocks(): void {
      knownBlocks.clear();
    },

    /** Refuses a number outside the caller's countries; run before anything is written. */
    permitCountry(phone: string, caller: Caller): void {
      const own = caller.smsCountries;
      const allowed = own === undefined || own === null ? policy.smsCountries : new Set(own);
      if (allowed === '*' || allowed.has('*')) return;
      const country = countryOf(phone) ?? 'unknown';
      if (allowed.has(country)) return;
      events.detached(
        {
          type: 'send_refused',
          ...whoOf(caller),
          subject: country,
          summary: `a code to ${maskPhone(phone)} refused: ${country} is not a permitted country`,
          figures: { reason: 'country_not_permitted', country },
        },
        `country|${caller.tenant}|${country}`,
      );
      throw new DomainError('country_not_permitted', {
        details: [{ problem: `${country} is not among the countries this client may text` }],
      });
    },

    /**
     * Counts the send (one statement), then refuses it when its range is blocked or a budget is spent, or
     * blocks the range it pumps. In the send's transaction the rollback of a refused send takes the count
     * back; `alone` (no transaction), a refusal takes it back itself. Answers how to take it back later (a send
     * counted alone, then refused by its phone's limits); a count left over by a crash only refuses sooner.
     */
    async admit(
      tx: Store,
      phone: string,
      caller: Caller,
      now: Date,
      options: { alone?: boolean } = {},
    ): Promise<() => Promise<void>> {
      const counted = countedPrefixes(phone, policy.prefixDigits);
      const country = countryOf(phone) ?? 'unknown';
      const send = {
        tenant: caller.tenant,
        counted,
        candidates: leadingParts(phone),
        bucket: floorTo(now, MINUTE_MS),
        windowStart: new Date(now.getTime() - policy.windowSeconds * 1000),
        budgets: budgetsOf(caller.tenant, country, now),
        alone: options.alone === true,
      };
      const seen = await tx.sendGuard.countSend(send);
      const uncount = () => tx.sendGuard.uncountSend(send);
      try {
        learnBlocks(seen, now);
        if (!seen.safe) refuseBlocked(seen, phone, caller, now);
        refuseOverBudget(seen, caller, country, now);
        if (!seen.safe) await blockIfPumped(tx, phone, seen, counted, caller, now);
      } catch (error) {
        // The refusal is the answer; a count the database would not take back only refuses sooner.
        if (options.alone === true) await uncount().catch(() => undefined);
        throw error;
      }
      return uncount;
    },

    /** The prefixes a send to this number counts, which its approval converts (otp_check). */
    prefixesOf(phone: string): string[] {
      return countedPrefixes(phone, policy.prefixDigits);
    },
  };
}

export type SendGuard = ReturnType<typeof createSendGuard>;

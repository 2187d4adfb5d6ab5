/** The domain's limits, as types: config.ts fills them from the environment, with their defaults and reasons. */
import type { Channel } from './types.js';

export interface VerificationPolicy {
  /** Digits per code. 6 by default (NIST 800-63B 5.1.3.1 minimum for OOB secrets); 4 to 10 allowed. */
  codeLength: number;
  /** How long a code stays valid: 10 minutes (NIST 800-63B 5.1.3.1 recommends at most 10). */
  ttlSeconds: number;
  /** Checks allowed per verification before it is spent (Twilio Verify's default is 5). */
  maxChecks: number;
  /** Sends (first send and resends) allowed per phone and tenant in the send window: pumping and cost guard. */
  maxSendsPerPhone: number;
  sendWindowSeconds: number;
  /**
   * Of those, the sends one channel may make to a destination in the window (issue 15: counted per channel and
   * in total); a channel not named has only the total.
   */
  maxSendsPerChannel?: Partial<Record<Channel, number>>;
  /** Failed checks per phone and tenant, across its verifications, before a lock-out (NIST 800-63B 5.2.2). */
  maxFailedChecksPerPhone: number;
  /** How long a phone stays locked for a tenant once it reached that count. */
  phoneLockoutSeconds: number;
  /**
   * Failed checks per phone across every tenant in one window (an hour by default): the brute-force bound
   * no number of tenants can raise. Reaching it locks the phone for everyone until the window ends.
   */
  maxFailedChecksPerPhoneAllTenants: number;
  allTenantsWindowSeconds: number;
  /** Test numbers with fixed codes: no SMS is sent (for app-store reviewers). E.164 -> code. */
  testNumbers: Map<string, string>;
}

/** One password budget per customer, whichever face or path checks the password (NIST 800-63B 5.2.2). */
export interface PasswordPolicy {
  /** Wrong passwords before the customer is locked. */
  maxFailures: number;
  /** The first lock; each repeat lock (no success in between) doubles it, up to maxLockSeconds. */
  lockSeconds: number;
  maxLockSeconds: number;
}

/**
 * The SMS-pumping guard, geo permissions and send budgets (docs/security.md, SMS pumping). A prefix is
 * blocked when its unconverted sends in the window exceed maxUnconverted plus what a conversion of
 * minConversionPercent explains for its approvals (see send-guard.ts).
 */
export interface SendGuardPolicy {
  /** ISO alpha-2 countries SMS may go to, '*' for every one (SMS_COUNTRIES); a client may narrow or widen it. */
  smsCountries: '*' | ReadonlySet<string>;
  /** National digits after the country code at which sends are counted, shortest first (e.g. 2, 3, 5). */
  prefixDigits: readonly number[];
  /** The sliding window sends and approvals are counted in. */
  windowSeconds: number;
  /** Unconverted sends a prefix may have in the window with no approval at all. */
  maxUnconverted: number;
  /** Conversion below which a prefix past maxUnconverted is blocked, in percent (1 to 100). */
  minConversionPercent: number;
  /** The first block; each repeat block doubles it, up to maxBlockSeconds. */
  blockSeconds: number;
  maxBlockSeconds: number;
  /** A block placed within this long of the previous one's end is a repeat (it doubles). */
  repeatMemorySeconds: number;
  /** Known premium-rate or high-risk ranges, blocked from the start (E.164 prefixes); the safe list wins. */
  blockedPrefixes: readonly string[];
  /** Codes a tenant may send per UTC day. */
  tenantSendsPerDay: number;
  /** Codes a tenant may send to one country per clock hour, and countries with a figure of their own. */
  countrySendsPerHour: number;
  countrySendsPerHourOverrides: ReadonlyMap<string, number>;
}

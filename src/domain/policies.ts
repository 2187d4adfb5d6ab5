/** The domain's limits, as types: config.ts fills them from the environment, with their defaults and reasons. */

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

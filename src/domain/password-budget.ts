/**
 * One password budget per customer, whichever face or path checks the password (login by phone or
 * email, a phone change): after PasswordPolicy.maxFailures wrong passwords the customer is locked,
 * 15 minutes doubling on each repeat lock up to a day, and a success resets it (OWASP ASVS 2.2.1,
 * NIST 800-63B 5.2.2). While locked, even the right password is refused. An identity nobody has gets
 * a budget of its own that locks alike, so a lock-out tells nobody who exists.
 */
import { DomainError } from './errors.js';
import { passwordMatches } from './passwords.js';
import type { PasswordPolicy } from './policies.js';
import type { Clock, PasswordBudget, PasswordBudgetStore } from './ports.js';

/** What the budget needs of the store: its budgets, in a transaction. */
export interface PasswordBudgetStorage {
  passwordBudgets: PasswordBudgetStore;
  transaction<T>(work: (tx: { passwordBudgets: PasswordBudgetStore }) => Promise<T>): Promise<T>;
}

const secondsUntil = (later: Date, now: Date) =>
  Math.max(1, Math.ceil((later.getTime() - now.getTime()) / 1000));

export type PasswordSubject = { customerId: string } | { tenant: string; unknownIdentity: string };

const subjectKey = (subject: PasswordSubject) =>
  'customerId' in subject
    ? `customer:${subject.customerId}`
    : `identity:${subject.tenant}:${subject.unknownIdentity}`;

export function createPasswordBudget(deps: {
  store: PasswordBudgetStorage;
  clock: Clock;
  policy: PasswordPolicy;
}) {
  const { store, clock, policy } = deps;

  /** The budget after one more wrong password: at the limit, a lock twice as long as the last one. */
  function afterFailure(budget: PasswordBudget, now: Date): PasswordBudget {
    const failures = budget.failures + 1;
    if (failures < policy.maxFailures) return { ...budget, failures };
    const seconds = Math.min(policy.lockSeconds * 2 ** budget.locks, policy.maxLockSeconds);
    return { failures: 0, locks: budget.locks + 1, lockedUntil: new Date(now.getTime() + seconds * 1000) };
  }

  return {
    /**
     * True when `password` matches `storedHash` and `accepted` (e.g. the customer is active). Each guess is
     * counted as a failure before argon2 evaluates it, under the budget's row lock, so concurrent guesses
     * cannot pass the limit; a success then resets the budget.
     */
    async check(
      subject: PasswordSubject,
      storedHash: string,
      password: string,
      accepted = true,
    ): Promise<boolean> {
      const key = subjectKey(subject);
      const now = clock.now();
      await store.transaction(async (tx) => {
        const budget = await tx.passwordBudgets.lock(key, now);
        if (budget.lockedUntil !== null && budget.lockedUntil > now) {
          throw new DomainError('password_locked', {
            retryAfterSeconds: secondsUntil(budget.lockedUntil, now),
          });
        }
        await tx.passwordBudgets.save(key, afterFailure(budget, now), now);
      });
      const matches = (await passwordMatches(storedHash, password)) && accepted;
      if (matches) {
        await store.passwordBudgets.save(key, { failures: 0, locks: 0, lockedUntil: null }, clock.now());
      }
      return matches;
    },
  };
}

export type PasswordBudgets = ReturnType<typeof createPasswordBudget>;

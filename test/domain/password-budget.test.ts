import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createPasswordBudget } from '../../src/domain/password-budget.js';
import { hashPassword } from '../../src/domain/passwords.js';
import { FakeClock, fakePasswordBudgets } from './fakes.js';

const MINUTE = 60_000;
const policy = { maxFailures: 3, lockSeconds: 60, maxLockSeconds: 150 };

describe('the password budget, on in-memory ports', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword('the right one');
  });

  const setUp = () => {
    const clock = new FakeClock();
    const store = fakePasswordBudgets();
    return { clock, store, budget: createPasswordBudget({ store, clock, policy }) };
  };
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) =>
        error instanceof DomainError ? { code: error.code, retry: error.retryAfterSeconds } : error,
    );

  it('locks after the allowed failures, refuses even the right password while locked, and lets it in after', async () => {
    const { clock, budget } = setUp();
    const customer = { customerId: 'c1' };
    for (let i = 0; i < 3; i++) expect(await budget.check(customer, hash, `wrong ${i}`)).toBe(false);
    expect(await refusal(budget.check(customer, hash, 'the right one'))).toEqual({
      code: 'password_locked',
      retry: 60,
    });
    clock.advance(MINUTE);
    expect(await budget.check(customer, hash, 'the right one')).toBe(true);
  });

  it('doubles each repeat lock up to the maximum, and a success starts again from the first', async () => {
    const { clock, budget } = setUp();
    const customer = { customerId: 'c2' };
    const lockFor = async () => {
      for (let i = 0; i < 3; i++) await budget.check(customer, hash, `wrong ${i}`);
      return ((await refusal(budget.check(customer, hash, 'the right one'))) as { retry: number }).retry;
    };
    expect(await lockFor()).toBe(60);
    clock.advance(MINUTE);
    expect(await lockFor()).toBe(120);
    clock.advance(2 * MINUTE);
    expect(await lockFor()).toBe(150);
    clock.advance(150_000);
    expect(await budget.check(customer, hash, 'the right one')).toBe(true);
    expect(await lockFor()).toBe(60);
  });

  it('counts a right password refused for another reason (an inactive customer) as a failure', async () => {
    const { store, budget } = setUp();
    expect(await budget.check({ customerId: 'c3' }, hash, 'the right one', false)).toBe(false);
    expect(store.rows.get('customer:c3')?.failures).toBe(1);
  });

  it('keeps an unknown identity’s budget apart per tenant, and locks it like a customer’s', async () => {
    const { budget } = setUp();
    const nobody = { tenant: 'a', unknownIdentity: 'nobody@example.com' };
    for (let i = 0; i < 3; i++) expect(await budget.check(nobody, hash, `wrong ${i}`, false)).toBe(false);
    expect(await refusal(budget.check(nobody, hash, 'x', false))).toMatchObject({ code: 'password_locked' });
    expect(await budget.check({ ...nobody, tenant: 'b' }, hash, 'x', false)).toBe(false);
  });
});

/**
 * Phone-number change: current password + new number -> a phone_change code to the new number ->
 * the code confirmed -> the number switched (and verified) in the same transaction, and the old
 * number told by SMS that it was replaced.
 */
import { DomainError } from './errors.js';
import { queueMessage } from './outbox.js';
import type { PasswordBudgets } from './password-budget.js';
import { countryOf, maskPhone, toE164 } from './phones.js';
import type { Clock, MessageCosts, OutboxSignal, PhoneRateLimiter, Store } from './ports.js';
import type { SecretBox } from './secret-box.js';
import type { SecurityEvents } from './security-events.js';
import { renderNoticeText } from './templates.js';
import type { Caller, Customer, Locale, Verification, VerificationRecord } from './types.js';
import { countryIdOf, toPublicCustomer, type Customers } from './customers.js';
import type { MessageTexts, Verifications } from './verifications.js';

/** A notice about a changed number is still worth sending a day later; a code is not. */
const NOTICE_TTL_MS = 24 * 3600 * 1000;

export interface PhoneChangeDeps {
  store: Store;
  clock: Clock;
  box: SecretBox;
  phoneLimiter: PhoneRateLimiter;
  outbox: OutboxSignal;
  texts: MessageTexts;
  /** Parts and price of the notice to the old number. */
  costs: MessageCosts;
}

/** The approval effect of a phone_change verification: switch the number, tell the old one, record the event. */
export function applyPhoneChange(
  deps: Pick<PhoneChangeDeps, 'box' | 'texts' | 'costs'> & { securityEvents: SecurityEvents },
) {
  return async (tx: Store, verification: VerificationRecord, now: Date): Promise<void> => {
    if (verification.customerId === null) return;
    // Only the change this code was sent for: one statement re-tests it under the row lock, so a
    // newer request committed meanwhile is not overwritten.
    const oldPhone = await tx.customers.switchPhone(
      verification.customerId,
      verification.id,
      { e164: verification.to, countryId: countryIdOf(verification.to) },
      now,
    );
    if (oldPhone === undefined) return;
    await deps.securityEvents.within(tx, {
      type: 'phone_changed',
      tenant: verification.tenant,
      clientId: verification.clientId,
      ip: null,
      subject: maskPhone(verification.to),
      summary: `customer ${verification.customerId}: phone ${maskPhone(oldPhone)} replaced by ${maskPhone(verification.to)}`,
      figures: { customerId: verification.customerId, verificationId: verification.id },
    });
    await queueMessage(tx, deps, {
      kind: 'notice',
      to: oldPhone,
      text: renderNoticeText(
        {
          kind: 'phone_replaced',
          locale: verification.locale,
          appName: deps.texts.appName,
          tenant: verification.tenant,
        },
        deps.texts.overrides,
      ),
      expiresAt: new Date(now.getTime() + NOTICE_TTL_MS),
      verificationId: verification.id,
      clientId: verification.clientId,
      tenant: verification.tenant,
      now,
    });
  };
}

export function createPhoneChange(
  deps: PhoneChangeDeps & { customers: Customers; verifications: Verifications; passwords: PasswordBudgets },
) {
  const { store, clock } = deps;

  interface ChangeRequest {
    newPhone: string;
    country?: string;
    locale?: Locale;
    caller: Caller;
  }

  /** password null: a trusted client vouches for the customer (see requestVouched). */
  async function start(
    customerId: string,
    input: ChangeRequest,
    password: string | null,
  ): Promise<{ customer: Customer; verification: Verification }> {
    const { tenant, clientId } = input.caller;
    const customer = await deps.customers.findRecord(customerId, tenant);
    // A number in national form is read in the country of the customer's current one.
    const country = input.country ?? countryOf(customer.phone);
    const newPhone = toE164(input.newPhone, { country, field: '/newPhone' });
    // Password guesses cost a request from the customer's own phone budget.
    await deps.phoneLimiter.consume(customer.phone);
    if (password === null) {
      // Vouching is for the client that registered the customer: no other client (and no anonymous
      // caller) may move someone else's number without their password.
      if (clientId === null || customer.ownerClientId !== clientId) throw new DomainError('forbidden');
      if (!customer.active) throw new DomainError('forbidden');
    } else if (
      // The customer's one password budget; an inactive customer answers like a wrong password.
      !(await deps.passwords.check(
        { customerId: customer.id },
        customer.passwordHash,
        password,
        customer.active,
      ))
    ) {
      throw new DomainError('wrong_password');
    }
    if (newPhone === customer.phone) throw new DomainError('phone_unchanged');
    if ((await store.customers.findByPhone(tenant, newPhone)) !== undefined) {
      throw new DomainError('phone_taken');
    }
    const now = clock.now();
    const result = await store.transaction(async (tx) => {
      const verification = await deps.verifications.startWithin(
        tx,
        {
          phone: newPhone,
          purpose: 'phone_change',
          locale: input.locale,
          customerId,
          caller: input.caller,
        },
        now,
      );
      const updated = await tx.customers.update(
        tenant,
        customerId,
        { pendingPhone: newPhone, pendingVerificationId: verification.id },
        now,
      );
      if (updated === undefined) throw new DomainError('customer_not_found');
      return {
        customer: toPublicCustomer(updated),
        verification: await deps.verifications.viewWithin(tx, verification),
      };
    });
    deps.verifications.announceStarted(result.verification);
    return result;
  }

  return {
    /** The customer proves it is them with the current password. */
    request(customerId: string, input: ChangeRequest & { password: string }) {
      return start(customerId, input, input.password);
    },

    /**
     * A client that signed the customer in itself vouches for them (menu.app's API has no password
     * step); the code to the new number is still required.
     */
    requestVouched(customerId: string, input: ChangeRequest) {
      return start(customerId, input, null);
    },

    /** Confirms with the code; a wrong code is refused with code_incorrect (the check is counted). */
    async confirm(customerId: string, code: string, tenant: string): Promise<Customer> {
      const customer = await deps.customers.findRecord(customerId, tenant);
      if (customer.pendingVerificationId === null) throw new DomainError('no_pending_phone_change');
      await deps.verifications.confirm(customer.pendingVerificationId, code, tenant);
      deps.outbox.messagesQueued();
      return deps.customers.get(customerId, tenant);
    },
  };
}

export type PhoneChange = ReturnType<typeof createPhoneChange>;

/** Wires the domain once: every face gets the same services. */
import type { Config } from '../config.js';
import { createCodeHasher } from './codes.js';
import { createCustomers } from './customers.js';
import { createPasswordBudget } from './password-budget.js';
import { applyPhoneChange, createPhoneChange } from './phone-change.js';
import type { Clock, DomainEvents, OutboxSignal, PhoneRateLimiter, Store } from './ports.js';
import { createSecretBox } from './secret-box.js';
import type { TemplateOverrides } from '../sms/templates.js';
import { DomainError } from './errors.js';
import { createVerifications, type ApprovalEffect, type MessageTexts } from './verifications.js';

export interface DomainDeps {
  config: Pick<
    Config,
    'verification' | 'passwords' | 'codeSecret' | 'appName' | 'webOtpDomain' | 'smsPrices' | 'smsCurrency'
  >;
  store: Store;
  clock: Clock;
  phoneLimiter: PhoneRateLimiter;
  outbox: OutboxSignal;
  templateOverrides?: TemplateOverrides;
  /** Told what happened (metrics); nobody by default. */
  events?: DomainEvents;
}

export function createDomain(deps: DomainDeps) {
  const { store, clock, config } = deps;
  const box = createSecretBox(config.codeSecret);
  const texts: MessageTexts = {
    appName: config.appName,
    webOtpDomain: config.webOtpDomain,
    overrides: deps.templateOverrides,
  };
  const pricing = { table: config.smsPrices, currency: config.smsCurrency };
  const switchPhone = applyPhoneChange({ box, texts, pricing });

  const onApproved: ApprovalEffect = async (tx, verification, now) => {
    if (verification.purpose === 'phone_change') return switchPhone(tx, verification, now);
    if (verification.purpose === 'signup' && verification.customerId !== null) {
      const customer = await tx.customers.findById(verification.tenant, verification.customerId);
      // The code proves the number it went to; a customer who changed number since stays unverified.
      if (customer?.phone === verification.to) {
        await tx.customers.update(verification.tenant, customer.id, { phoneVerified: true }, now);
      }
    }
  };

  const verifications = createVerifications(
    {
      store,
      clock,
      policy: config.verification,
      codes: createCodeHasher(config.codeSecret),
      box,
      phoneLimiter: deps.phoneLimiter,
      outbox: deps.outbox,
      texts,
      pricing,
      events: deps.events,
    },
    onApproved,
  );
  const passwords = createPasswordBudget({ store, clock, policy: config.passwords });
  const customers = createCustomers({
    store,
    clock,
    verifications,
    passwords,
    guessLimiter: deps.phoneLimiter,
  });
  const phoneChange = createPhoneChange({
    store,
    clock,
    box,
    phoneLimiter: deps.phoneLimiter,
    outbox: deps.outbox,
    texts,
    pricing,
    customers,
    verifications,
    passwords,
  });

  return {
    customers,
    verifications,
    phoneChange,
    box,
    /** A message of the tenant's; another tenant's answers exactly like one that does not exist. */
    async message(id: string, tenant: string) {
      const message = await store.messages.findById(id);
      if (message === undefined || message.tenant !== tenant) throw new DomainError('message_not_found');
      return message;
    },
    reference: store.reference,
  };
}

export type Domain = ReturnType<typeof createDomain>;

/** Wires the domain once: every face gets the same services. */
import { createCodeHasher } from './codes.js';
import { createCustomers } from './customers.js';
import { createIdempotency } from './idempotency.js';
import { createLoginSessions } from './login-sessions.js';
import type { CountryLocales } from './locales.js';
import { createPasswordBudget } from './password-budget.js';
import { applyPhoneChange, createPhoneChange } from './phone-change.js';
import type { Clock, DomainEvents, MessageCosts, OutboxSignal, PhoneRateLimiter, Store } from './ports.js';
import type { PasswordPolicy, SendGuardPolicy, VerificationPolicy } from './policies.js';
import { createPrefixRules } from './prefix-rules.js';
import { createSecurityEvents } from './security-events.js';
import { createSendGuard } from './send-guard.js';
import type { SecretBox } from './secret-box.js';
import type { TemplateOverrides } from './templates.js';
import { DomainError } from './errors.js';
import { createFraudConsole } from './fraud-console.js';
import { createServices } from './services.js';
import { createVerifications, type ApprovalEffect, type MessageTexts } from './verifications.js';
import { createClientWebhooks, type WebhookPolicy } from './webhooks.js';

/** What the domain takes from the configuration (config.ts fills it; the domain never reads it). */
export interface DomainSettings {
  verification: VerificationPolicy;
  passwords: PasswordPolicy;
  sendGuard: SendGuardPolicy;
  /** Keys the code hashes and seals stored secrets. */
  codeSecret: Buffer;
  appName: string;
  webOtpDomain: string | undefined;
  smsTemplates: TemplateOverrides;
  /** The language of a text whose request names none, by the number's country (COUNTRY_LOCALES). */
  countryLocales: CountryLocales;
  clientWebhooks: WebhookPolicy;
}

export interface DomainDeps {
  config: DomainSettings;
  store: Store;
  clock: Clock;
  /** Seals stored secrets (texts in the outbox): the dispatcher opens them with the same box. */
  box: SecretBox;
  phoneLimiter: PhoneRateLimiter;
  outbox: OutboxSignal;
  /** Parts and price of a text: the SMS side knows encodings and prices. */
  costs: MessageCosts;
  /** Told what happened (metrics); nobody by default. */
  events?: DomainEvents;
  /** Told when a security event could not be written (the log). */
  onEventWriteFailed?: (error: unknown) => void;
}

export function createDomain(deps: DomainDeps) {
  const { store, clock, config } = deps;
  const { box } = deps;
  const texts: MessageTexts = {
    appName: config.appName,
    webOtpDomain: config.webOtpDomain,
    overrides: config.smsTemplates,
    countryLocales: config.countryLocales,
  };
  const { costs } = deps;
  const securityEvents = createSecurityEvents({
    store: store.securityEvents,
    clock,
    onWriteFailed: deps.onEventWriteFailed,
  });
  const guard = createSendGuard({ policy: config.sendGuard, events: securityEvents });
  const switchPhone = applyPhoneChange({ box, texts, costs, securityEvents });

  const onApproved: ApprovalEffect = {
    purposes: ['phone_change', 'signup'],
    apply: async (tx, verification, now) => {
      if (verification.purpose === 'phone_change') return switchPhone(tx, verification, now);
      if (verification.purpose === 'signup' && verification.customerId !== null) {
        const customer = await tx.customers.findById(verification.tenant, verification.customerId);
        // The code proves the number it went to; a customer who changed number since stays unverified.
        if (customer?.phone === verification.to) {
          await tx.customers.update(verification.tenant, customer.id, { phoneVerified: true }, now);
        }
      }
    },
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
      costs,
      events: deps.events,
      guard,
      securityEvents,
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
    costs,
    customers,
    verifications,
    passwords,
  });

  const prefixRules = createPrefixRules({
    store,
    clock,
    policy: config.sendGuard,
    events: securityEvents,
    onRelaxed: () => guard.forgetKnownBlocks(),
  });
  return {
    customers,
    verifications,
    services: createServices({ store, clock }),
    phoneChange,
    box,
    /** A message of the tenant's; another tenant's answers exactly like one that does not exist. */
    async message(id: string, tenant: string) {
      const message = await store.messages.findById(id);
      if (message === undefined || message.tenant !== tenant) throw new DomainError('message_not_found');
      return message;
    },
    reference: store.reference,
    securityEvents,
    prefixRules,
    fraudConsole: createFraudConsole({ store, rules: prefixRules, clock }),
    webhooks: createClientWebhooks({ store, box, clock, policy: config.clientWebhooks }),
    idempotency: createIdempotency({ store: store.requestClaims, clock }),
    loginSessions: createLoginSessions({
      sessions: store.loginSessions,
      usedTokens: store.usedTokens,
      clock,
    }),
  };
}

export type Domain = ReturnType<typeof createDomain>;

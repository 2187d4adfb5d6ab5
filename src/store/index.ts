/** The Store the domain works on, bound to the database or to one transaction. */
import type { Kysely } from 'kysely';
import type { Store } from '../domain/ports.js';
import { usedTokenStore } from './cbss-signatures.js';
import { loginSessionStore } from './cbss-sessions.js';
import { statusChangeStore } from './client-events.js';
import { clientWebhookStore } from './client-webhooks.js';
import { clientStore } from './clients.js';
import { customerStore } from './customers.js';
import type { Database } from './database.js';
import { requestClaimStore } from './request-claims.js';
import { messageStore } from './messages.js';
import { passwordBudgetStore } from './password-budgets.js';
import { phoneGuardStore } from './phone-guards.js';
import { referenceStore } from './reference.js';
import { securityEventStore } from './security-events.js';
import { prefixRuleStore, sendGuardStore } from './send-guard.js';
import { verificationStore } from './verifications.js';
import { serviceStore } from './verify-services.js';

export function createStore(db: Kysely<Database>): Store {
  return {
    customers: customerStore(db),
    verifications: verificationStore(db),
    services: serviceStore(db),
    phoneGuards: phoneGuardStore(db),
    passwordBudgets: passwordBudgetStore(db),
    messages: messageStore(db),
    clients: clientStore(db),
    reference: referenceStore(db),
    requestClaims: requestClaimStore(db),
    loginSessions: loginSessionStore(db),
    usedTokens: usedTokenStore(db),
    sendGuard: sendGuardStore(db),
    prefixRules: prefixRuleStore(db),
    securityEvents: securityEventStore(db),
    statusChanges: statusChangeStore(db),
    webhooks: clientWebhookStore(db),
    async transaction(work) {
      // Already inside one: join it (Kysely does not nest transactions).
      if (db.isTransaction) return work(this);
      return db.transaction().execute((trx) => work(createStore(trx)));
    },
  };
}

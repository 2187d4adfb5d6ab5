/**
 * Client webhooks: a client registers one URL, and every status change of its tenant's verifications and
 * messages is posted there, signed with a secret only that client knows (docs/webhooks.md). The secret is
 * shown once, at registration, and kept sealed under CODE_SECRET (the worker needs it to sign).
 */
import { randomBytes } from 'node:crypto';
import { DomainError } from './errors.js';
import type { Clock, Store } from './ports.js';
import type { SecretBox } from './secret-box.js';
import { webhookUrlProblem } from './webhook-targets.js';

/** What a client sees of its webhook: never the secret, after registration. */
export interface WebhookView {
  url: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookPolicy {
  /** Loopback and private addresses allowed as targets (WEBHOOK_ALLOW_PRIVATE_URLS; development). */
  allowPrivateTargets: boolean;
}

/** 32 bytes from the CSPRNG, prefixed as Stripe's are so a leaked one is recognised for what it is. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function createClientWebhooks(deps: {
  store: Pick<Store, 'webhooks'>;
  box: SecretBox;
  clock: Clock;
  policy: WebhookPolicy;
}) {
  const { store, box, clock, policy } = deps;
  return {
    /**
     * Registers the client's webhook, or replaces its URL; a new signing secret every time, returned this
     * once. Deliveries still queued go to the new URL, signed with the new secret.
     */
    async register(clientId: string, url: string): Promise<WebhookView & { secret: string }> {
      const problem = webhookUrlProblem(url, { allowPrivate: policy.allowPrivateTargets });
      if (problem !== undefined) {
        throw new DomainError('invalid_request', { details: [{ field: '/url', problem }] });
      }
      const secret = generateWebhookSecret();
      const saved = await store.webhooks.save(clientId, { url, secretSealed: box.seal(secret) }, clock.now());
      return { url: saved.url, createdAt: saved.createdAt, updatedAt: saved.updatedAt, secret };
    },

    async get(clientId: string): Promise<WebhookView> {
      const found = await store.webhooks.find(clientId);
      if (found === undefined) throw new DomainError('webhook_not_found');
      return { url: found.url, createdAt: found.createdAt, updatedAt: found.updatedAt };
    },

    /** Stops the posts; the deliveries still queued are dropped. */
    async remove(clientId: string): Promise<void> {
      if (!(await store.webhooks.remove(clientId))) throw new DomainError('webhook_not_found');
    },
  };
}

export type ClientWebhooks = ReturnType<typeof createClientWebhooks>;

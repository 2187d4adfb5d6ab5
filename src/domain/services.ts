/**
 * Verification services (Twilio Verify's): a tenant's named profiles. A service's friendly name is the name
 * its texts carry and its code length their codes'; its verifications are its own (a start under one service
 * leaves another's pending verification alone). Another tenant's service answers like a missing one.
 */
import { randomUUID } from 'node:crypto';
import { DomainError, type ErrorDetail } from './errors.js';
import type { Clock, MessageStore, ServicePatch, ServiceStore, VerificationStore } from './ports.js';
import type { VerifyService } from './types.js';

/** Twilio's limit for FriendlyName; it goes into every text, so one line without control characters. */
export const FRIENDLY_NAME_MAX = 30;
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL = /[\u0000-\u001F\u007F]/;
export const SERVICE_PAGE_MAX = 1000;

export interface NewServiceInput {
  friendlyName: string;
  codeLength?: number;
  customCodeEnabled?: boolean;
}

function problemsOf(input: ServicePatch): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const name = input.friendlyName;
  if (name !== undefined && (name.trim() === '' || name.length > FRIENDLY_NAME_MAX || CONTROL.test(name))) {
    problems.push({
      field: '/friendlyName',
      problem: `must be 1 to ${FRIENDLY_NAME_MAX} characters on one line`,
    });
  }
  const length = input.codeLength;
  if (length !== undefined && length !== null && !(Number.isInteger(length) && length >= 4 && length <= 10)) {
    problems.push({ field: '/codeLength', problem: 'must be 4 to 10' });
  }
  return problems;
}

function refuseProblems(input: ServicePatch): void {
  const details = problemsOf(input);
  if (details.length > 0) throw new DomainError('invalid_request', { details });
}

/** The part of the Store services use (the whole Store is one). */
export interface ServicesStore {
  services: ServiceStore;
  verifications: Pick<VerificationStore, 'cancelPendingOfService'>;
  messages: Pick<MessageStore, 'retireQueuedOtps'>;
  transaction<T>(work: (tx: ServicesStore) => Promise<T>): Promise<T>;
}

export function createServices(deps: { store: ServicesStore; clock: Clock }) {
  const { store, clock } = deps;

  async function get(id: string, tenant: string): Promise<VerifyService> {
    const service = await store.services.find(tenant, id);
    if (service === undefined) throw new DomainError('service_not_found');
    return service;
  }

  return {
    get,

    async create(input: NewServiceInput, tenant: string): Promise<VerifyService> {
      refuseProblems(input);
      const now = clock.now();
      return store.services.insert({
        id: randomUUID(),
        tenant,
        friendlyName: input.friendlyName,
        codeLength: input.codeLength ?? null,
        customCodeEnabled: input.customCodeEnabled ?? false,
        createdAt: now,
        updatedAt: now,
      });
    },

    /** Verifications already pending keep the name and length they were started with. */
    async update(id: string, tenant: string, patch: ServicePatch): Promise<VerifyService> {
      refuseProblems(patch);
      const updated = await store.services.update(tenant, id, patch, clock.now());
      if (updated === undefined) throw new DomainError('service_not_found');
      return updated;
    },

    /** A page of the tenant's services in id order, after `afterId`; `next` is the last id when more may follow. */
    async list(tenant: string, afterId: string | null, limit: number) {
      const size = Math.min(Math.max(1, limit), SERVICE_PAGE_MAX);
      const services = await store.services.list(tenant, afterId, size + 1);
      const page = services.slice(0, size);
      return { services: page, next: services.length > size ? (page.at(-1)?.id ?? null) : null };
    },

    /** Deletes the service; its pending verifications are canceled and their queued texts never sent. */
    async remove(id: string, tenant: string): Promise<void> {
      const now = clock.now();
      await store.transaction(async (tx) => {
        if ((await tx.services.find(tenant, id)) === undefined) throw new DomainError('service_not_found');
        const canceled = await tx.verifications.cancelPendingOfService(id, now);
        await tx.messages.retireQueuedOtps(canceled, now);
        await tx.services.delete(tenant, id);
      });
    },
  };
}

export type Services = ReturnType<typeof createServices>;

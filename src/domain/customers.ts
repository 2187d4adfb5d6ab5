/** Customers: register (which starts a signup verification), look up, list, update. */
import { randomUUID } from 'node:crypto';
import countries from 'i18n-iso-countries';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { DomainError, type ErrorDetail } from './errors.js';
import { hashPassword, passwordMatches } from './passwords.js';
import { toE164 } from './phones.js';
import type { Clock, CustomerPatch, PhoneRateLimiter, Store } from './ports.js';
import type { Customer, CustomerRecord, Locale, Verification } from './types.js';
import type { Verifications } from './verifications.js';

/** Field limits of the CUSTOMERS system, which our legacy face must keep. */
export const CUSTOMER_LIMITS = { nameEn: 400, nameAr: 400, email: 100, password: 100, notes: 500 } as const;
/** NIST 800-63B 5.1.1.1: memorized secrets of at least 8 characters. */
export const PASSWORD_MIN_LENGTH = 8;

export interface RegisterCustomerInput {
  nameEn: string;
  nameAr?: string | null;
  email: string;
  phone: string;
  /** ISO alpha-2 country of a phone given in national form. */
  phoneCountry?: string;
  password: string;
  notes?: string | null;
  active?: boolean;
  emirateId?: number | null;
  mobileCountryId?: number | null;
}

export type UpdateCustomerInput = Partial<
  Pick<
    RegisterCustomerInput,
    'nameEn' | 'nameAr' | 'email' | 'notes' | 'active' | 'emirateId' | 'mobileCountryId'
  >
>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function lengthProblems(input: Partial<RegisterCustomerInput>): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const within = (field: keyof typeof CUSTOMER_LIMITS, value: string | null | undefined, min = 0) => {
    if (value === undefined || value === null) return;
    if (value.length > CUSTOMER_LIMITS[field]) {
      details.push({ field: `/${field}`, problem: `must be at most ${CUSTOMER_LIMITS[field]} characters` });
    } else if (value.length < min) {
      details.push({ field: `/${field}`, problem: `must be at least ${min} characters` });
    }
  };
  within('nameEn', input.nameEn, 1);
  within('nameAr', input.nameAr);
  within('email', input.email, 3);
  within('password', input.password, PASSWORD_MIN_LENGTH);
  within('notes', input.notes);
  if (input.email !== undefined && input.email.length <= CUSTOMER_LIMITS.email && !EMAIL.test(input.email)) {
    details.push({ field: '/email', problem: 'must be an email address' });
  }
  return details;
}

/** The COUNTRIES id (ISO 3166 numeric) of the country a number belongs to. */
function countryIdOf(e164: string): number | null {
  const alpha2 = parsePhoneNumberWithError(e164).country;
  const numeric = alpha2 === undefined ? undefined : countries.alpha2ToNumeric(alpha2);
  return numeric === undefined ? null : Number(numeric);
}

export function toPublicCustomer(record: CustomerRecord): Customer {
  const { passwordHash: _hash, ownerClientId: _owner, ...customer } = record;
  return customer;
}

export function createCustomers(deps: {
  store: Store;
  clock: Clock;
  verifications: Verifications;
  /** Password guesses per identity: the same budget as requests per phone. */
  guessLimiter: PhoneRateLimiter;
}) {
  const { store, clock } = deps;

  async function findRecord(id: string): Promise<CustomerRecord> {
    const customer = await store.customers.findById(id);
    if (customer === undefined) throw new DomainError('customer_not_found');
    return customer;
  }

  /** The customer whose phone (international form) or email is `identity`. */
  /** One spelling per identity: a lower-cased email or an E.164 number (so "+971 50…" and "+97150…" are one). */
  function identityKey(identity: string): string {
    const trimmed = identity.trim();
    if (trimmed.includes('@')) return trimmed.toLowerCase();
    try {
      return toE164(trimmed);
    } catch {
      return trimmed;
    }
  }

  async function recordByIdentity(identity: string): Promise<CustomerRecord | undefined> {
    const key = identityKey(identity);
    if (key.includes('@')) return store.customers.findByEmail(key);
    return key.startsWith('+') ? store.customers.findByPhone(key) : undefined;
  }

  // Verified against when no customer matches, so a wrong identity costs as long as a wrong password.
  const decoyHash = hashPassword('decoy password that matches nothing');

  return {
    findRecord,

    /** The customer an identity (phone or email) names, without a password: for a session already signed in. */
    async findByIdentity(identity: string): Promise<Customer | undefined> {
      const found = await recordByIdentity(identity);
      return found && toPublicCustomer(found);
    },

    /**
     * The customer whose phone (international form) or email is `identity` and whose password this is.
     * Any mismatch answers wrong_password alike, in about the same time.
     */
    async authenticate(identity: string, password: string): Promise<Customer> {
      // Counted before the look-up, so a known and an unknown identity spend alike.
      await deps.guessLimiter.consume(`login:${identityKey(identity)}`);
      const found = await recordByIdentity(identity);
      const matches = await passwordMatches(found?.passwordHash ?? (await decoyHash), password);
      // An inactive customer answers like a wrong password: nothing tells it apart.
      if (found === undefined || !matches || !found.active) throw new DomainError('wrong_password');
      return toPublicCustomer(found);
    },

    async register(
      input: RegisterCustomerInput,
      context: { clientId: string | null; locale?: Locale },
    ): Promise<{ customer: Customer; verification: Verification }> {
      const details = lengthProblems(input);
      let phone: string | undefined;
      try {
        phone = toE164(input.phone, { country: input.phoneCountry });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        details.push(...(error.details ?? []));
      }
      if (details.length > 0 || phone === undefined) throw new DomainError('invalid_request', { details });
      const e164 = phone;
      // Hash before touching the database: the reply takes as long whether or not the email is taken.
      const passwordHash = await hashPassword(input.password);
      const now = clock.now();
      const result = await store.transaction(async (tx) => {
        const customer = await tx.customers.insert({
          id: randomUUID(),
          ownerClientId: context.clientId,
          nameEn: input.nameEn,
          nameAr: input.nameAr ?? null,
          email: input.email,
          phone: e164,
          passwordHash,
          notes: input.notes ?? null,
          active: input.active ?? true,
          emirateId: input.emirateId ?? null,
          mobileCountryId: input.mobileCountryId ?? countryIdOf(e164),
          now,
        });
        const verification = await deps.verifications.startWithin(
          tx,
          {
            phone: e164,
            purpose: 'signup',
            locale: context.locale ?? 'en',
            customerId: customer.id,
            clientId: context.clientId,
          },
          now,
        );
        return {
          customer: toPublicCustomer(customer),
          verification: await deps.verifications.viewWithin(tx, verification),
        };
      });
      deps.verifications.announceStarted(result.verification);
      return result;
    },

    async get(id: string): Promise<Customer> {
      return toPublicCustomer(await findRecord(id));
    },

    async getByNumber(number: number): Promise<Customer> {
      const customer = await store.customers.findByNumber(number);
      if (customer === undefined) throw new DomainError('customer_not_found');
      return toPublicCustomer(customer);
    },

    /**
     * Confirms a customer's phone with the code of a signup verification sent to it (at registration
     * or later). Another customer's or purpose's verification reads as not found; a wrong code is
     * refused with code_incorrect (the check is counted).
     */
    async confirmPhone(
      customerId: string,
      verificationId: string,
      code: string,
      clientId: string | null,
    ): Promise<Customer> {
      await findRecord(customerId);
      const sent = await deps.verifications.get(verificationId, clientId);
      if (sent.customerId !== customerId || sent.purpose !== 'signup') {
        throw new DomainError('verification_not_found');
      }
      await deps.verifications.confirm(verificationId, code, clientId);
      return toPublicCustomer(await findRecord(customerId));
    },

    /** A page of customers in registration order; the cursor is the last number seen. */
    async list(afterNumber: number, limit: number): Promise<{ customers: Customer[]; next: number | null }> {
      const rows = await store.customers.list(afterNumber, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        customers: page.map(toPublicCustomer),
        next: rows.length > limit && last ? last.number : null,
      };
    },

    async update(id: string, input: UpdateCustomerInput): Promise<Customer> {
      const details = lengthProblems(input);
      if (details.length > 0) throw new DomainError('invalid_request', { details });
      const patch: CustomerPatch = { ...input };
      const updated = await store.customers.update(id, patch, clock.now());
      if (updated === undefined) throw new DomainError('customer_not_found');
      return toPublicCustomer(updated);
    },
  };
}

export type Customers = ReturnType<typeof createCustomers>;

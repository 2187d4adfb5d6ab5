/** Customers: register (which starts a signup verification), look up, list, update. */
import { randomUUID } from 'node:crypto';
import countries from 'i18n-iso-countries';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { DomainError, type ErrorDetail } from './errors.js';
import type { PasswordBudgets } from './password-budget.js';
import { hashPassword } from './passwords.js';
import { toE164 } from './phones.js';
import type { Clock, CustomerPatch, PhoneRateLimiter, ReferenceStore, Store } from './ports.js';
import type { Caller, Country, Customer, CustomerRecord, Locale, Verification } from './types.js';
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
export function countryIdOf(e164: string): number | null {
  const alpha2 = parsePhoneNumberWithError(e164).country;
  const numeric = alpha2 === undefined ? undefined : countries.alpha2ToNumeric(alpha2);
  return numeric === undefined ? null : Number(numeric);
}

export function toPublicCustomer(record: CustomerRecord): Customer {
  const { passwordHash: _hash, ownerClientId: _owner, tenant: _tenant, ...customer } = record;
  return customer;
}

/** What a new customer is checked against, whichever way it arrives (registration or an import). */
export type NewCustomerInput = Omit<RegisterCustomerInput, 'password'> & { password?: string };

/**
 * The checks every new customer passes: its references exist, its fields fit, its phone is a valid number
 * (read in phoneCountry, else the mobile country). Answers its number in E.164 and what it refers to, or the
 * problems: invalid_reference when a country or emirate does not exist, else invalid_request.
 */
export function createCustomerChecks(reference: ReferenceStore) {
  // The reference tables are seeded by a migration and never change while the service runs.
  let references: Promise<{ countries: Map<number, Country>; emirates: Set<number> }> | undefined;
  const referenceTables = () => {
    references ??= Promise.all([reference.countries(), reference.emirates()]).then(
      ([countries, emirates]) => ({
        countries: new Map(countries.map((country) => [country.id, country])),
        emirates: new Set(emirates.map((emirate) => emirate.id)),
      }),
    );
    references.catch(() => (references = undefined));
    return references;
  };

  /**
   * A country and an emirate must exist (whichever face names them), and a number in national form is
   * read in the mobile country's country; answers that country's alpha-2, if any.
   */
  async function referenceProblems(
    input: Pick<RegisterCustomerInput, 'mobileCountryId' | 'emirateId'>,
  ): Promise<{ details: ErrorDetail[]; mobileCountry: string | undefined }> {
    const details: ErrorDetail[] = [];
    if (input.mobileCountryId == null && input.emirateId == null)
      return { details, mobileCountry: undefined };
    const tables = await referenceTables();
    const country = input.mobileCountryId == null ? undefined : tables.countries.get(input.mobileCountryId);
    if (input.mobileCountryId != null && country === undefined) {
      details.push({ field: '/mobileCountryId', problem: 'is not a country id (ISO 3166 numeric)' });
    }
    if (input.emirateId != null && !tables.emirates.has(input.emirateId)) {
      details.push({ field: '/emirateId', problem: 'is not an emirate id' });
    }
    return { details, mobileCountry: country?.alpha2 };
  }

  return {
    referenceProblems,

    /** Every problem of a new customer at once (an import reports them all), or its number in E.164. */
    async check(
      input: NewCustomerInput,
    ): Promise<{ phone: string; problem?: undefined } | { phone?: undefined; problem: DomainError }> {
      const references = await referenceProblems(input);
      const details = lengthProblems(input);
      let phone: string | undefined;
      try {
        phone = toE164(input.phone, { country: input.phoneCountry ?? references.mobileCountry });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        details.push(...(error.details ?? []));
      }
      if (references.details.length > 0) {
        return {
          problem: new DomainError('invalid_reference', { details: [...references.details, ...details] }),
        };
      }
      if (details.length > 0 || phone === undefined) {
        return { problem: new DomainError('invalid_request', { details }) };
      }
      return { phone };
    },
  };
}

export type CustomerChecks = ReturnType<typeof createCustomerChecks>;

export function createCustomers(deps: {
  store: Store;
  clock: Clock;
  verifications: Verifications;
  passwords: PasswordBudgets;
  /** Password guesses per identity and minute: the same burst budget as requests per phone. */
  guessLimiter: PhoneRateLimiter;
}) {
  const { store, clock } = deps;

  const checks = createCustomerChecks(store.reference);

  /** The tenant's customer; another tenant's answers exactly like one that does not exist. */
  async function findRecord(id: string, tenant: string): Promise<CustomerRecord> {
    const customer = await store.customers.findById(tenant, id);
    if (customer === undefined) throw new DomainError('customer_not_found');
    return customer;
  }

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

  /** The tenant's customer whose phone (international form) or email is `key` (see identityKey). */
  async function recordByIdentity(key: string, tenant: string): Promise<CustomerRecord | undefined> {
    if (key.includes('@')) return store.customers.findByEmail(tenant, key);
    return key.startsWith('+') ? store.customers.findByPhone(tenant, key) : undefined;
  }

  // Verified against when no customer matches, so a wrong identity costs as long as a wrong password.
  const decoyHash = hashPassword('decoy password that matches nothing');

  return {
    findRecord,

    /** The customer an identity (phone or email) names, without a password: for a session already signed in. */
    async findByIdentity(identity: string, tenant: string): Promise<Customer | undefined> {
      const found = await recordByIdentity(identityKey(identity), tenant);
      return found && toPublicCustomer(found);
    },

    /**
     * The tenant's customer whose phone (international form) or email is `identity` and whose password
     * this is, within the customer's password budget. Any mismatch answers wrong_password alike, in about
     * the same time; an identity nobody has spends and locks a budget of its own, just the same.
     */
    async authenticate(identity: string, password: string, tenant: string): Promise<Customer> {
      const key = identityKey(identity);
      // Counted before the look-up, so a known and an unknown identity spend alike.
      await deps.guessLimiter.consume(`login:${tenant}:${key}`);
      const found = await recordByIdentity(key, tenant);
      // An inactive customer answers like a wrong password: nothing tells it apart.
      const matches =
        found === undefined
          ? await deps.passwords.check({ tenant, unknownIdentity: key }, await decoyHash, password, false)
          : await deps.passwords.check({ customerId: found.id }, found.passwordHash, password, found.active);
      if (found === undefined || !matches) throw new DomainError('wrong_password');
      return toPublicCustomer(found);
    },

    async register(
      input: RegisterCustomerInput,
      context: { caller: Caller; locale?: Locale },
    ): Promise<{ customer: Customer; verification: Verification }> {
      const checked = await checks.check(input);
      if (checked.problem !== undefined) throw checked.problem;
      const e164 = checked.phone;
      // Hash before touching the database: the reply takes as long whether or not the email is taken.
      const passwordHash = await hashPassword(input.password);
      const now = clock.now();
      const result = await store.transaction(async (tx) => {
        const customer = await tx.customers.insert({
          id: randomUUID(),
          ownerClientId: context.caller.clientId,
          tenant: context.caller.tenant,
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
            locale: context.locale,
            customerId: customer.id,
            caller: context.caller,
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

    async get(id: string, tenant: string): Promise<Customer> {
      return toPublicCustomer(await findRecord(id, tenant));
    },

    async getByNumber(number: number, tenant: string): Promise<Customer> {
      const customer = await store.customers.findByNumber(tenant, number);
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
      tenant: string,
    ): Promise<Customer> {
      await findRecord(customerId, tenant);
      const sent = await deps.verifications.get(verificationId, tenant);
      if (sent.customerId !== customerId || sent.purpose !== 'signup') {
        throw new DomainError('verification_not_found');
      }
      await deps.verifications.confirm(verificationId, code, tenant);
      return toPublicCustomer(await findRecord(customerId, tenant));
    },

    /** A page of customers in registration order; the cursor is the last number seen. */
    async list(
      tenant: string,
      afterNumber: number,
      limit: number,
    ): Promise<{ customers: Customer[]; next: number | null }> {
      const rows = await store.customers.list(tenant, afterNumber, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        customers: page.map(toPublicCustomer),
        next: rows.length > limit && last ? last.number : null,
      };
    },

    async update(id: string, tenant: string, input: UpdateCustomerInput): Promise<Customer> {
      const references = await checks.referenceProblems(input);
      if (references.details.length > 0) {
        throw new DomainError('invalid_reference', { details: references.details });
      }
      const details = lengthProblems(input);
      if (details.length > 0) throw new DomainError('invalid_request', { details });
      const patch: CustomerPatch = { ...input };
      const updated = await store.customers.update(tenant, id, patch, clock.now());
      if (updated === undefined) throw new DomainError('customer_not_found');
      return toPublicCustomer(updated);
    },
  };
}

export type Customers = ReturnType<typeof createCustomers>;

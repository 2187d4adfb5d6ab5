/**
 * Customers brought over from another system, in batches: each row passes the checks a registration passes
 * (createCustomerChecks), but no signup code is texted (the other system knew them) and the password may come
 * as the other system's argon2id hash. A row's problem rejects that row only, with its reasons.
 */
import { randomUUID } from 'node:crypto';
import { countryIdOf, createCustomerChecks, type NewCustomerInput } from './customers.js';
import { DomainError, type ErrorDetail } from './errors.js';
import { hashPassword, importedHashProblem } from './passwords.js';
import type { Clock, NewCustomer, Store } from './ports.js';
import type { Caller } from './types.js';

export interface ImportedCustomerInput extends NewCustomerInput {
  /** Where the row is in its file, for its outcome. */
  line: number;
  /** A password in plain text, hashed here (argon2id: slow on purpose, some 15 ms of a core a row). */
  password?: string;
  /** The other system's argon2id hash in PHC form, stored as it is: the customer's password goes on working. */
  passwordHash?: string;
  /** The other system had verified the phone (default false: a signup verification confirms it later). */
  phoneVerified?: boolean;
  /** Fields the face could not read (a boolean that is none): the row is rejected with these and its other problems. */
  unreadable?: readonly ErrorDetail[];
}

export type ImportOutcome =
  | { line: number; imported: true; customerId: string }
  | { line: number; imported: false; problem: DomainError };

const rejected = (line: number, problem: DomainError): ImportOutcome => ({ line, imported: false, problem });

function passwordProblems(row: ImportedCustomerInput): ErrorDetail[] {
  const hasPassword = row.password !== undefined && row.password !== '';
  const hasHash = row.passwordHash !== undefined && row.passwordHash !== '';
  if (hasPassword && hasHash) {
    return [{ field: '/password', problem: 'and a password hash are both given: give one' }];
  }
  if (!hasPassword && !hasHash) {
    return [{ field: '/password', problem: 'is required: a password hash (argon2id) or a password' }];
  }
  const problem = hasHash ? importedHashProblem(row.passwordHash ?? '') : undefined;
  return problem === undefined ? [] : [{ field: '/passwordHash', problem }];
}

/** One spelling per email, as the unique index has it (lower(email)). */
const emailKey = (email: string) => email.toLowerCase();

export function createCustomerImport(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  const checks = createCustomerChecks(store.reference);

  /** The row's problems (all of them) or the customer to insert, without its password hash yet. */
  async function checked(
    row: ImportedCustomerInput,
    caller: Caller,
  ): Promise<{ problem: DomainError } | { customer: Omit<NewCustomer, 'passwordHash'> }> {
    // The length rules are a plain password's; a hash is checked by passwordProblems.
    const input = { ...row, password: row.passwordHash || !row.password ? undefined : row.password };
    const result = await checks.check(input);
    const passwords = passwordProblems(row);
    const unreadable = row.unreadable ?? [];
    if (result.problem !== undefined || passwords.length > 0 || unreadable.length > 0) {
      const details = [...unreadable, ...(result.problem?.details ?? []), ...passwords];
      return { problem: new DomainError(result.problem?.code ?? 'invalid_request', { details }) };
    }
    return {
      customer: {
        id: randomUUID(),
        ownerClientId: caller.clientId,
        tenant: caller.tenant,
        nameEn: row.nameEn,
        nameAr: row.nameAr ?? null,
        email: row.email,
        phone: result.phone,
        notes: row.notes ?? null,
        active: row.active ?? true,
        emirateId: row.emirateId ?? null,
        mobileCountryId: row.mobileCountryId ?? countryIdOf(result.phone),
        phoneVerified: row.phoneVerified ?? false,
        now: clock.now(),
      },
    };
  }

  return {
    /**
     * An import into the caller's client and tenant. Its batches remember the emails and phones of the rows
     * before them, so a customer twice in the file is imported once: the later row is rejected, naming the line.
     */
    begin(caller: Caller) {
      const emailLines = new Map<string, number>();
      const phoneLines = new Map<string, number>();

      return {
        /**
         * Checks every row, leaves out those whose email or phone the tenant or an earlier row has, and inserts
         * the rest in one statement; if a customer registered meanwhile takes one of them, row by row instead.
         * An outcome per row, in their order. Faults of the database itself are thrown.
         */
        async importBatch(rows: readonly ImportedCustomerInput[]): Promise<ImportOutcome[]> {
          const outcomes = new Map<number, ImportOutcome>();
          const candidates: { row: ImportedCustomerInput; customer: Omit<NewCustomer, 'passwordHash'> }[] =
            [];
          for (const row of rows) {
            const result = await checked(row, caller);
            if ('problem' in result) outcomes.set(row.line, rejected(row.line, result.problem));
            else candidates.push({ row, customer: result.customer });
          }

          const taken = await store.customers.findTaken(
            caller.tenant,
            candidates.map(({ customer }) => customer.email),
            candidates.map(({ customer }) => customer.phone),
          );
          const takenEmails = new Set(taken.emails);
          const takenPhones = new Set(taken.phones);
          const accepted: typeof candidates = [];
          for (const candidate of candidates) {
            const { line } = candidate.row;
            const email = emailKey(candidate.customer.email);
            const { phone } = candidate.customer;
            const problem = takenProblem(email, phone, takenEmails, takenPhones, emailLines, phoneLines);
            if (problem !== undefined) {
              outcomes.set(line, rejected(line, problem));
              continue;
            }
            emailLines.set(email, line);
            phoneLines.set(phone, line);
            accepted.push(candidate);
          }

          const customers = await Promise.all(
            accepted.map(async ({ row, customer }): Promise<NewCustomer> => ({
              ...customer,
              passwordHash: row.passwordHash || (await hashPassword(row.password ?? '')),
            })),
          );
          const lines = accepted.map(({ row }) => row.line);
          try {
            await store.customers.insertMany(customers);
            lines.forEach((line, index) => {
              outcomes.set(line, { line, imported: true, customerId: customers[index]?.id ?? '' });
            });
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            // Someone took an email or phone since findTaken (a registration), or the database refused a
            // value the checks let through: one statement per row finds which.
            for (const [index, customer] of customers.entries()) {
              const line = lines[index] ?? 0;
              try {
                await store.customers.insert(customer);
                outcomes.set(line, { line, imported: true, customerId: customer.id });
              } catch (rowError) {
                if (!(rowError instanceof DomainError)) throw rowError;
                outcomes.set(line, rejected(line, withTakenDetails(rowError)));
                // Not imported, so a later row with its email or phone is not a repeat of it.
                if (emailLines.get(emailKey(customer.email)) === line)
                  emailLines.delete(emailKey(customer.email));
                if (phoneLines.get(customer.phone) === line) phoneLines.delete(customer.phone);
              }
            }
          }
          return rows.map(
            (row) => outcomes.get(row.line) ?? rejected(row.line, new DomainError('invalid_request')),
          );
        },
      };
    },
  };
}

export type CustomerImport = ReturnType<typeof createCustomerImport>;

const ALREADY = 'belongs to a customer of this tenant already';

function takenProblem(
  email: string,
  phone: string,
  takenEmails: ReadonlySet<string>,
  takenPhones: ReadonlySet<string>,
  emailLines: ReadonlyMap<string, number>,
  phoneLines: ReadonlyMap<string, number>,
): DomainError | undefined {
  const details: ErrorDetail[] = [];
  const emailLine = emailLines.get(email);
  const phoneLine = phoneLines.get(phone);
  // An earlier row of the file first: the tenant has it too once that row is in, but the line says more.
  if (emailLine !== undefined) details.push({ field: '/email', problem: `is on line ${emailLine} too` });
  else if (takenEmails.has(email)) details.push({ field: '/email', problem: ALREADY });
  if (phoneLine !== undefined) details.push({ field: '/phone', problem: `is on line ${phoneLine} too` });
  else if (takenPhones.has(phone)) details.push({ field: '/phone', problem: ALREADY });
  if (details.length === 0) return undefined;
  return new DomainError(details[0]?.field === '/email' ? 'email_taken' : 'phone_taken', { details });
}

/** The store's email_taken / phone_taken say which field: the import says it the way takenProblem does. */
function withTakenDetails(error: DomainError): DomainError {
  if (error.code === 'email_taken') {
    return new DomainError('email_taken', { details: [{ field: '/email', problem: ALREADY }] });
  }
  if (error.code === 'phone_taken') {
    return new DomainError('phone_taken', { details: [{ field: '/phone', problem: ALREADY }] });
  }
  return error;
}

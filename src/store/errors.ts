/** Turns constraint violations into the domain errors they mean. */
import { DomainError } from '../domain/errors.js';

interface PgError {
  code?: string;
  constraint?: string;
  message?: string;
}

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const NUMERIC_OUT_OF_RANGE = '22003';
/** A NUL or a byte sequence not valid in the database's encoding: text PostgreSQL cannot store. */
const CHARACTER_NOT_IN_REPERTOIRE = '22021';
/** The same in JSON: "\u0000 cannot be converted to text". */
const UNTRANSLATABLE_CHARACTER = '22P05';

const UNIQUE_CONSTRAINTS: Record<string, DomainError['code']> = {
  customers_email_key: 'email_taken',
  customers_phone_key: 'phone_taken',
};

export function translateConstraintError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { code, constraint, message = '' } = error as PgError;
  if (code === UNIQUE_VIOLATION) {
    const name = constraint ?? Object.keys(UNIQUE_CONSTRAINTS).find((key) => message.includes(key));
    const mapped = name === undefined ? undefined : UNIQUE_CONSTRAINTS[name];
    if (mapped !== undefined) return new DomainError(mapped);
  }
  if (code === FOREIGN_KEY_VIOLATION) return new DomainError('invalid_reference');
  // A number the column cannot hold (e.g. an id past 2^31): bad input, not a server fault.
  if (code === NUMERIC_OUT_OF_RANGE) return new DomainError('invalid_request');
  // The HTTP layer refuses control characters first (http/control-characters.ts); this is the second wall.
  if (code === CHARACTER_NOT_IN_REPERTOIRE || code === UNTRANSLATABLE_CHARACTER) {
    return new DomainError('invalid_request');
  }
  return error;
}

export async function withConstraintErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw translateConstraintError(error);
  }
}

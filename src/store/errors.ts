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

/** Socket errors of a database that cannot be reached (refused, reset, gone, not resolvable just now). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * SQLSTATEs of a server that cannot answer now: 57014 is statement_timeout (or a cancel), 57P01-57P03 a server
 * shutting down or starting, 53300 too many connections. Class 08 (connection exception) is checked apart.
 */
const UNAVAILABLE_STATES = new Set(['57014', '57P01', '57P02', '57P03', '53300']);

/** node-postgres says these in words only: a dropped connection, its own timeouts, a client it gave up. */
const UNREACHABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Query read timeout$/,
  /is not queryable$/,
];

/**
 * What a database fault is called, when `error` says the database cannot be reached or cannot answer in time
 * (the request was fine and may succeed in a moment); undefined for any other error.
 */
export function databaseFault(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const { code, message = '' } = error as PgError;
  if (code !== undefined && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_STATES.has(code))) return code;
  if (code !== undefined && /^08[0-9A-Z]{3}$/.test(code)) return code;
  if (UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message))) return message;
  // Every address refused (localhost is ::1 and 127.0.0.1), or a timeout that carries the reason as its cause.
  const nested = [
    ...(error instanceof AggregateError ? error.errors : []),
    (error as { cause?: unknown }).cause,
  ];
  for (const inner of nested) {
    const fault = databaseFault(inner, depth + 1);
    if (fault !== undefined) return fault;
  }
  return undefined;
}

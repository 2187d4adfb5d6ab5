/**
 * The CSV side of `otpgate customers import`: which columns a file may have, a row's cells read into the
 * domain's input (text stays text; booleans, ids and countries are read), and a rejected row's reasons said
 * with the file's column names. The rules themselves are the domain's (domain/customer-import.ts).
 */
import type { ImportedCustomerInput } from '../domain/customer-import.js';
import { DomainError, ERRORS, type ErrorDetail } from '../domain/errors.js';
import { firstControlCharacter } from '../http/control-characters.js';
import { CommandError } from './command.js';

type Field = Exclude<keyof ImportedCustomerInput, 'line' | 'unreadable'>;
type Kind = 'text' | 'notes' | 'password' | 'boolean' | 'id' | 'country';

interface Column {
  field: Field;
  kind: Kind;
  about: string;
}

/** The columns, by the name a file's header gives them (any case; spaces and dashes read as _). */
export const IMPORT_COLUMNS: Readonly<Record<string, Column>> = {
  name_en: { field: 'nameEn', kind: 'text', about: 'name in English (required)' },
  name_ar: { field: 'nameAr', kind: 'text', about: 'name in Arabic' },
  email: { field: 'email', kind: 'text', about: 'email address (required; one customer each in the tenant)' },
  phone: {
    field: 'phone',
    kind: 'text',
    about: 'mobile number (required; one customer each): +971501234567, or national with country',
  },
  country: { field: 'phoneCountry', kind: 'country', about: 'ISO alpha-2 country of a national number: AE' },
  password_hash: {
    field: 'passwordHash',
    kind: 'text',
    about: "the other system's argon2id hash, PHC form ($argon2id$v=19$m=…,t=…,p=…$…$…)",
  },
  password: {
    field: 'password',
    kind: 'password',
    about: 'a plain password, hashed on import: slow on purpose (see Passwords)',
  },
  notes: { field: 'notes', kind: 'notes', about: 'free text' },
  active: { field: 'active', kind: 'boolean', about: 'true or false (yes/no, 1/0; default true)' },
  emirate_id: { field: 'emirateId', kind: 'id', about: 'emirate id (1 to 7)' },
  mobile_country_id: {
    field: 'mobileCountryId',
    kind: 'id',
    about: "ISO 3166 numeric country (default: the number's)",
  },
  phone_verified: {
    field: 'phoneVerified',
    kind: 'boolean',
    about: 'the other system had verified the phone (default false)',
  },
};

/** The columns the rejects file adds before the row's own: a corrected rejects file imports as it is. */
const REJECTS_COLUMNS = ['line', 'reason'];
const REQUIRED = ['name_en', 'email', 'phone'];

const normalized = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** Each header cell's column (undefined: one of the rejects file's, skipped); refuses a header that cannot do. */
export function columnsOf(header: readonly string[], file: string): (Column | undefined)[] {
  const names = header.map(normalized);
  const unknown = names.filter((name) => !(name in IMPORT_COLUMNS) && !REJECTS_COLUMNS.includes(name));
  if (unknown.length > 0) {
    throw new CommandError(
      `${file}: unknown column(s) ${unknown.map((name) => `"${name}"`).join(', ')} in the first line; ` +
        `the columns are ${Object.keys(IMPORT_COLUMNS).join(', ')} ("otpgate customers import --help").`,
    );
  }
  const twice = names.filter((name, index) => names.indexOf(name) !== index);
  if (twice.length > 0) throw new CommandError(`${file}: the column "${twice[0]}" is there twice.`);
  const missing = REQUIRED.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new CommandError(
      `${file}: the first line must name the columns, with at least ${REQUIRED.join(', ')} and ` +
        `password_hash or password; ${missing.join(', ')} missing.`,
    );
  }
  if (!names.includes('password_hash') && !names.includes('password')) {
    throw new CommandError(`${file}: a password_hash or a password column is needed.`);
  }
  return names.map((name) => IMPORT_COLUMNS[name]);
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** One cell read for its column; empty cells are absent (the domain's defaults apply). */
function readCell(column: Column, raw: string): { value?: string | number | boolean; problem?: string } {
  // A password is its characters, spaces too; elsewhere spaces around a cell are the file's layout.
  const text = column.kind === 'password' ? raw : raw.trim();
  if (text === '') return {};
  if (firstControlCharacter(text, column.kind === 'notes') !== undefined) {
    return { problem: 'holds a control character' };
  }
  switch (column.kind) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return { value: true };
      if (FALSE.has(lower)) return { value: false };
      return { problem: 'must be true or false' };
    }
    case 'id':
      return /^\d{1,9}$/.test(text) ? { value: Number(text) } : { problem: 'must be a whole number' };
    case 'country':
      return /^[A-Za-z]{2}$/.test(text)
        ? { value: text.toUpperCase() }
        : { problem: 'must be an ISO alpha-2 country (AE)' };
    default:
      return { value: text };
  }
}

/**
 * A row's cells as the domain's input: cells that cannot be read go along as `unreadable`, so the row is
 * rejected with those and every other problem at once. A row with too few or many cells is rejected here.
 */
export function rowOf(
  cells: readonly string[],
  columns: readonly (Column | undefined)[],
  line: number,
): ImportedCustomerInput | DomainError {
  if (cells.length !== columns.length) {
    // An argon2 hash holds commas (m=…,t=…,p=…): unquoted, it splits into three cells.
    const hint = cells.some((cell) => /^\$argon2\w*\$v=\d+\$m=\d+$/.test(cell))
      ? ' (a password_hash holds commas: quote it, "$argon2id$v=19$m=…,t=…,p=…$…")'
      : '';
    const problem = `has ${cells.length} fields where the first line has ${columns.length}${hint}`;
    return new DomainError('invalid_request', { details: [{ field: '', problem }] });
  }
  const row: Partial<Record<Field, string | number | boolean>> = {};
  const unreadable: ErrorDetail[] = [];
  columns.forEach((column, index) => {
    if (column === undefined) return;
    const { value, problem } = readCell(column, cells[index] ?? '');
    if (problem !== undefined) unreadable.push({ field: `/${column.field}`, problem });
    else if (value !== undefined) row[column.field] = value;
  });
  return {
    ...(row as Omit<ImportedCustomerInput, 'line' | 'nameEn' | 'email' | 'phone'>),
    nameEn: typeof row.nameEn === 'string' ? row.nameEn : '',
    email: typeof row.email === 'string' ? row.email : '',
    phone: typeof row.phone === 'string' ? row.phone : '',
    line,
    unreadable,
  };
}

const COLUMN_OF_FIELD = new Map(
  Object.entries(IMPORT_COLUMNS).map(([name, { field }]) => [`/${field}`, name]),
);

/** "email: must be an email address; phone: not a valid phone number", in the file's column names. */
export function reasonOf(problem: DomainError): string {
  if (problem.details === undefined || problem.details.length === 0) return ERRORS[problem.code].en;
  return problem.details
    .map(({ field, problem: what }) => {
      const column = field === undefined || field === '' ? 'row' : (COLUMN_OF_FIELD.get(field) ?? field);
      return `${column}: ${what}`;
    })
    .join('; ');
}

/** RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled. */
export function csvLine(cells: readonly (string | number)[], delimiter = ','): string {
  return (
    cells
      .map((cell) => {
        const text = String(cell);
        return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
      })
      .join(delimiter) + '\n'
  );
}

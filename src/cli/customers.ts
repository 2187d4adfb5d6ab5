/**
 * `otpgate customers import`: customers from another system, from a CSV file, into one client's tenant. The
 * file is read twice: once to know it is well-formed CSV and how many rows it has (so a broken quote on the
 * last line imports nothing, and the progress has a total), then in batches. A bad row is written to the
 * rejects file with its line and reasons, and the import goes on.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse, type Options } from 'csv-parse';
import { isClientCode } from '../domain/clients.js';
import { createCustomerImport, type ImportedCustomerInput } from '../domain/customer-import.js';
import { DomainError } from '../domain/errors.js';
import { clientStore } from '../store/clients.js';
import { createStore } from '../store/index.js';
import { CommandError, parseCommandArgs, UsageError, type Command } from './command.js';
import { columnsOf, csvLine, IMPORT_COLUMNS, reasonOf, rowOf } from './customer-rows.js';
import { withDatabase } from './database.js';
import { table } from './format.js';

/** Rows per insert: one statement each, few enough that a batch that conflicts costs little to redo row by row. */
const BATCH_ROWS = 500;
/** A row past this is no customer (every field together is under 2,000 characters): a quote left open, say. */
const MAX_ROW_BYTES = 64 * 1024;

const count = (n: number) => n.toLocaleString('en-US');

/** customers.csv -> customers.rejects.csv; another name gets .rejects.csv added. */
export function defaultRejectsPath(file: string): string {
  return /\.csv$/i.test(file) ? file.replace(/\.csv$/i, '.rejects.csv') : `${file}.rejects.csv`;
}

function parserOptions(delimiter: string): Options {
  return {
    bom: true,
    delimiter,
    info: true,
    // A row with too few or many cells is a rejected row, not the end of the file.
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_ROW_BYTES,
  };
}

interface ParsedRow {
  cells: string[];
  /** The line the row starts on (a quoted cell may hold line breaks). */
  line: number;
}

/** The rows of the file, header first; a CSV error (a quote not closed) says its line and stops. */
async function* rowsOf(file: string, delimiter: string): AsyncGenerator<ParsedRow> {
  const input = createReadStream(file);
  const parser = parse(parserOptions(delimiter));
  // pipe() does not pass a read error on: without this, a file that fails midway would leave the loop waiting.
  input.once('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const breaks = record.reduce((sum, cell) => sum + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
      yield { cells: record, line: info.lines - breaks };
    }
  } catch (error) {
    const { code, message, syscall } = error as { code?: string; message?: string; syscall?: string };
    // A system error (ENOENT, EACCES, EIO...) of the file's reading.
    if (syscall !== undefined) {
      throw new CommandError(`Cannot read ${file}: ${message ?? code}.`, { cause: error });
    }
    if (typeof code === 'string' && /^(CSV_|INVALID_)/.test(code)) {
      throw new CommandError(`${file} is not CSV that can be read: ${message ?? code}.`, { cause: error });
    }
    throw error;
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** The header and how many rows follow it, reading the whole file once: its CSV errors surface before any import. */
async function survey(file: string, delimiter: string): Promise<{ header: string[]; rows: number }> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new CommandError(
      `Cannot read ${file}: ${error.code === 'ENOENT' ? 'there is no such file' : error.message}.`,
    );
  });
  if (!info.isFile()) throw new CommandError(`Cannot read ${file}: it is not a file.`);
  let header: string[] | undefined;
  let rows = 0;
  for await (const { cells } of rowsOf(file, delimiter)) {
    if (header === undefined) header = cells;
    else rows += 1;
  }
  if (header === undefined) {
    throw new CommandError(`${file} is empty: its first line must name the columns.`);
  }
  return { header, rows };
}

interface Rejected {
  line: number;
  reason: string;
  cells: readonly string[];
}

const importCommand: Command = {
  words: ['customers', 'import'],
  usage: '<file.csv> --client <code> [--rejects <file>] [--delimiter <char>]',
  summary: "import customers from another system (a CSV file) into a client's tenant; no code is texted",
  details: `Each row is checked as a registration is (names, email, phone, lengths, emirate and country ids)
and becomes a customer of the client's tenant, registered by that client. No signup code is texted: the
phone is marked verified only where phone_verified says so. A row that fails a check, or whose email or
phone a customer of the tenant (or an earlier row) has, is not imported: it goes to the rejects file with
its line and the reasons, and the import goes on. Progress shows on stderr; the counts on stdout.

The first line names the columns, in any order (name_en, email and phone are required, with password_hash
or password):
${table(Object.entries(IMPORT_COLUMNS).map(([name, { about }]) => [`  ${name}`, about]))}

Passwords: give the other system's argon2id hashes (password_hash) where it has them: customers log in with
their passwords as before, and the import takes seconds. A plain password column is hashed row by row
(argon2id, some 15 ms of a core each): 10,000 rows take a minute or two. A row needs one of the two, and
is refused with both (which one is the password?).

Options:
  --client <code>      the API client the customers are registered by; they join its tenant (required)
  --rejects <file>     where rejected rows go (default: FILE.rejects.csv beside FILE), as CSV: line,
                       reason, then the row's own cells; readable by its owner only (it may hold
                       passwords). Correct it and import it again: the line and reason columns are skipped.
  --delimiter <char>   the cell separator (default ","; ";" for some spreadsheets' CSV)

The file is read once before anything is imported: a CSV error (a quote not closed) imports nothing.
Running it again on the same file rejects the rows already imported (their email is taken).
Exit status: 0 when the file was read through (even with rejected rows), 1 when it could not be read
(no such file, not CSV, columns missing) or the client does not exist, 2 on wrong usage.`,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      importCommand,
      args,
      { client: { type: 'string' }, rejects: { type: 'string' }, delimiter: { type: 'string' } },
      ['<file.csv>'],
    );
    const [file] = positionals;
    const code = values.client;
    if (code === undefined)
      throw new UsageError('--client is required: the client the customers join', importCommand);
    if (!isClientCode(code)) {
      throw new UsageError(`the code "${code}" must be 1 to 64 letters, digits, _ . or -`, importCommand);
    }
    const delimiter = values.delimiter ?? ',';
    if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
      throw new UsageError('--delimiter must be one character, not a quote or line break', importCommand);
    }
    const rejectsPath = values.rejects ?? defaultRejectsPath(file);
    if (resolve(rejectsPath) === resolve(file)) {
      throw new UsageError('--rejects must name another file than the one imported', importCommand);
    }

    const { header, rows: total } = await survey(file, delimiter);
    const columns = columnsOf(header, file);
    const config = context.config();
    const started = context.clock.now();
    const counts = await withDatabase(config, 'current', async (db) => {
      const client = await clientStore(db).findByCode(code);
      if (client === undefined) {
        throw new CommandError(
          `No API client has the code "${code}" ("otpgate clients list" shows them all).`,
        );
      }
      if (!client.active) {
        context.tell(`Note: API client "${code}" is disabled; its customers are imported all the same.`);
      }
      const session = createCustomerImport({ store: createStore(db), clock: context.clock }).begin({
        clientId: client.id,
        tenant: client.tenant,
      });
      context.tell(
        `Importing ${count(total)} rows of ${file} into tenant "${client.tenant}" (client "${code}").`,
      );

      // A corrected rejects file has our line and reason columns: its own rejects get new ones instead.
      const kept = header.flatMap((_, index) => (columns[index] === undefined ? [] : [index]));
      const rejects = await openRejects(rejectsPath, kept, header, delimiter);
      const progress = context.progress('customers import', total, 'rows');
      const done = { imported: 0, rejected: 0, lastLine: 0 };
      try {
        let batch: { row: ImportedCustomerInput | DomainError; parsed: ParsedRow }[] = [];
        const flush = async () => {
          const rows = batch.flatMap(({ row }) => (row instanceof DomainError ? [] : [row]));
          const outcomes = new Map(
            (await session.importBatch(rows)).map((outcome) => [outcome.line, outcome]),
          );
          const rejected: Rejected[] = [];
          for (const { row, parsed } of batch) {
            const outcome = row instanceof DomainError ? undefined : outcomes.get(parsed.line);
            if (outcome?.imported) done.imported += 1;
            else {
              const problem = row instanceof DomainError ? row : outcome?.problem;
              rejected.push({
                line: parsed.line,
                reason: problem ? reasonOf(problem) : 'not imported',
                cells: parsed.cells,
              });
            }
            done.lastLine = parsed.line;
          }
          done.rejected += rejected.length;
          await rejects.write(rejected);
          progress.update(done.imported + done.rejected);
          batch = [];
        };
        let first = true;
        for await (const parsed of rowsOf(file, delimiter)) {
          if (first) {
            first = false;
            continue;
          }
          batch.push({ row: rowOf(parsed.cells, columns, parsed.line), parsed });
          if (batch.length === BATCH_ROWS) await flush();
        }
        await flush();
        progress.finish();
      } catch (error) {
        progress.finish();
        context.tell(
          `Stopped after line ${done.lastLine}: ${count(done.imported)} imported, ${count(done.rejected)} ` +
            `rejected (in ${rejectsPath}) so far.`,
        );
        throw error;
      } finally {
        await rejects.close();
      }
      return done;
    });
    const seconds = (context.clock.now().getTime() - started.getTime()) / 1000;
    context.tell(`Read ${count(total)} rows in ${seconds.toFixed(1)} s.`);
    context.print(
      counts.rejected === 0
        ? `${count(counts.imported)} imported, 0 rejected.`
        : `${count(counts.imported)} imported, ${count(counts.rejected)} rejected: see ${rejectsPath}`,
    );
  },
};

/** The rejects file, header first, readable by its owner only: a row may hold a password. */
async function openRejects(
  path: string,
  kept: readonly number[],
  header: readonly string[],
  delimiter: string,
) {
  const own = (cells: readonly string[]) =>
    cells.length === header.length ? kept.map((index) => cells[index] ?? '') : cells;
  let handle: FileHandle;
  try {
    handle = await open(path, 'w', 0o600);
    await handle.chmod(0o600);
  } catch (error) {
    throw new CommandError(`Cannot write the rejects to ${path}: ${(error as Error).message}.`, {
      cause: error,
    });
  }
  await handle.write(csvLine(['line', 'reason', ...own(header)], delimiter));
  return {
    async write(rejected: Rejected[]) {
      if (rejected.length === 0) return;
      const text = rejected
        .sort((a, b) => a.line - b.line)
        .map(({ line, reason, cells }) => csvLine([line, reason, ...own(cells)], delimiter))
        .join('');
      await handle.write(text);
    },
    close: () => handle.close(),
  };
}

export const customerCommands: readonly Command[] = [importCommand];

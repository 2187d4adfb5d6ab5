/**
 * The CLI without its process: arguments and environment in, an exit status out. 0 done, 1 refused or
 * failed (the message says why), 2 wrong usage or configuration, as with most Unix tools.
 */
import { ConfigError, loadConfig, type Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { systemClock, type Clock } from '../domain/ports.js';
import { clientCommands } from './clients.js';
import { fraudCommands } from './fraud.js';
import {
  CommandError,
  commandName,
  UsageError,
  usageLine,
  type Command,
  type CommandContext,
} from './command.js';
import { reasonOf } from '../store/connect.js';
import { table } from './format.js';
import { migrate } from './migrate.js';
import { outboxStats } from './outbox.js';
import { createProgress } from './progress.js';
import { customerCommands } from './customers.js';

export const commands: readonly Command[] = [
  ...clientCommands,
  ...customerCommands,
  ...fraudCommands,
  migrate,
  outboxStats,
];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliProcess {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  /** isTTY: a terminal, where progress is a bar redrawn in place. */
  stderr: { write(text: string): unknown; isTTY?: boolean };
  clock?: Clock;
}

const COMMON_OPTIONS = `Options of every command:
  --help     its help
  --verbose  stack traces with errors`;

const indent = (text: string) => text.replace(/^(?=.)/gm, '  ');

function overview(): string {
  const rows = commands.map((command) => [
    `${commandName(command)} ${command.usage}`.trim(),
    command.summary,
  ]);
  rows.push(['help [<command>]', "this overview, or a command's help"]);
  return `otpgate: operator commands for an otpgate installation.

Usage: otpgate <command> [options]

Commands:
${indent(table(rows))}

${COMMON_OPTIONS}

They read the server's environment: DATABASE_URL (PostgreSQL), or else PGlite in DATA_DIR; CODE_SECRET.
A PGlite database can be open in one process only: stop the server before using them on it.
Exit status: 0 done, 1 refused or failed, 2 wrong usage or configuration.`;
}

function groupHelp(group: readonly Command[]): string {
  return `Commands:\n${indent(table(group.map((command) => [usageLine(command), command.summary])))}\n\nSee "otpgate <command> --help" for one of them.`;
}

function commandHelp(command: Command): string {
  const summary = command.summary.charAt(0).toUpperCase() + command.summary.slice(1);
  return `Usage: ${usageLine(command)}\n\n${summary}.\n\n${command.details}\n\n${COMMON_OPTIONS}`;
}

type Found = { command: Command } | { group: readonly Command[] };

/** The command the leading words name, or every command of the group they name. */
function lookUp(words: readonly string[]): Found {
  const command = commands.find((candidate) => candidate.words.every((word, index) => words[index] === word));
  if (command !== undefined) return { command };
  const [first, second] = words;
  if (first === undefined || first.startsWith('-')) throw new UsageError('which command?');
  const group = commands.filter((candidate) => candidate.words[0] === first);
  if (group.length === 0) throw new UsageError(`unknown command "${first}"`);
  if (second === undefined || second.startsWith('-')) return { group };
  // A group within the group: "fraud safe" names "fraud safe add" and "fraud safe remove".
  const subgroup = group.filter((candidate) => candidate.words.length > 2 && candidate.words[1] === second);
  if (subgroup.length > 0) return { group: subgroup };
  throw new UsageError(
    `unknown command "${first} ${second}" (${first} has: ${[...new Set(group.map((c) => c.words[1]))].join(', ')})`,
  );
}

/** --help and --verbose go with any command, anywhere before a `--`. */
function takeCommonFlags(argv: readonly string[]) {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const head = argv.slice(0, end);
  return {
    help: head.includes('--help') || head.includes('-h'),
    verbose: head.includes('--verbose'),
    args: [...head.filter((arg) => !['--help', '-h', '--verbose'].includes(arg)), ...argv.slice(end)],
  };
}

async function dispatch(argv: readonly string[], help: boolean, context: CommandContext): Promise<number> {
  if (argv[0] === 'help' || (help && argv.length === 0)) {
    const topic = argv.slice(argv[0] === 'help' ? 1 : 0);
    if (topic.length === 0) {
      context.print(overview());
      return EXIT.ok;
    }
    const found = lookUp(topic);
    context.print('command' in found ? commandHelp(found.command) : groupHelp(found.group));
    return EXIT.ok;
  }
  if (argv.length === 0) throw new UsageError('which command?');
  const found = lookUp(argv);
  if (!('command' in found)) {
    if (help) {
      context.print(groupHelp(found.group));
      return EXIT.ok;
    }
    // "fraud safe" (a group within a group) is two words deep, "clients" one.
    const [head] = found.group;
    const depth = found.group.every((c) => c.words.length > 2 && c.words[1] === head?.words[1]) ? 2 : 1;
    const next = [...new Set(found.group.map((c) => c.words[depth]))].join(', ');
    throw new UsageError(`"${head?.words.slice(0, depth).join(' ')}" needs one of: ${next}`);
  }
  if (help) {
    context.print(commandHelp(found.command));
    return EXIT.ok;
  }
  await found.command.run(argv.slice(found.command.words.length), context);
  return EXIT.ok;
}

function explain(error: unknown, verbose: boolean): { status: number; text: string } {
  if (error instanceof UsageError) {
    const hint =
      error.command === undefined
        ? 'See "otpgate help".'
        : `Usage: ${usageLine(error.command)}\nSee "otpgate ${commandName(error.command)} --help".`;
    return { status: EXIT.usage, text: `otpgate: ${error.message}\n${hint}` };
  }
  if (error instanceof ConfigError) return { status: EXIT.usage, text: `otpgate: ${error.message}` };
  if (error instanceof CommandError || error instanceof DomainError) {
    return { status: EXIT.failed, text: `otpgate: ${error.message}` };
  }
  const more = verbose ? '' : '\n(--verbose shows the details)';
  return { status: EXIT.failed, text: `otpgate: ${reasonOf(error)}${more}` };
}

/** The stack, then each cause's: what --verbose adds. */
function stackOf(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error; current !== undefined;) {
    lines.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) lines.push('Caused by:');
  }
  return lines.join('\n');
}

export async function runCli(argv: readonly string[], process: CliProcess): Promise<number> {
  const { help, verbose, args } = takeCommonFlags(argv);
  let config: Config | undefined;
  const context: CommandContext = {
    config: () => (config ??= loadConfig(process.env)),
    clock: process.clock ?? systemClock,
    print: (text) => process.stdout.write(`${text}\n`),
    tell: (text) => process.stderr.write(`${text}\n`),
    progress: (label, total, unit) =>
      createProgress(process.stderr, process.stderr.isTTY === true, label, total, unit),
  };
  try {
    return await dispatch(args, help, context);
  } catch (error) {
    const { status, text } = explain(error, verbose);
    process.stderr.write(`${text}\n`);
    if (verbose) process.stderr.write(`\n${stackOf(error)}\n`);
    return status;
  }
}

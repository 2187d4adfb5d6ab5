/** What every CLI command is made of, and the two ways one fails: a usage error (exit 2) or a refusal (exit 1). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { Clock } from '../domain/ports.js';
import type { Progress } from './progress.js';

export interface CommandContext {
  /** The environment's config, loaded on first use (help and usage errors need none). */
  config(): Config;
  clock: Clock;
  /** The command's result, on stdout (what a script would capture). */
  print(text: string): void;
  /** Notes and warnings for the operator, on stderr. */
  tell(text: string): void;
  /** Progress on stderr: a bar on a terminal, a line at each tenth elsewhere. */
  progress(label: string, total: number, unit: string): Progress;
}

export interface Command {
  /** The words that name it: ['clients', 'create']. */
  words: readonly string[];
  /** What follows the words: '<code> [--name <name>]'. */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /** Shown by --help under the usage line: what it does and its options. */
  details: string;
  run(args: string[], context: CommandContext): Promise<void>;
}

export function commandName(command: Command): string {
  return command.words.join(' ');
}

export function usageLine(command: Command): string {
  return `otpgate ${commandName(command)}${command.usage === '' ? '' : ` ${command.usage}`}`;
}

/** The command line is wrong: exit 2, with the command's usage when known. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command was understood but cannot be done (no such client, database unreachable): exit 1. */
export class CommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs, strict, with exactly the positionals named. Its errors become usage errors
 * carrying only their first sentence (the rest explains `--`, which no command here needs).
 */
export function parseCommandArgs<const O extends Options, const N extends readonly string[]>(
  command: Command,
  args: string[],
  options: O,
  positionalNames: N,
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('. ')[0] ?? error.message) : String(error);
    throw new UsageError(
      message.replace(/^\w/, (first) => first.toLowerCase()),
      command,
    );
  }
  const { values, positionals } = parsed;
  if (positionals.length < positionalNames.length) {
    throw new UsageError(`missing ${positionalNames[positionals.length]}`, command);
  }
  if (positionals.length > positionalNames.length) {
    throw new UsageError(`unexpected argument "${positionals[positionalNames.length]}"`, command);
  }
  return { values, positionals: positionals as { -readonly [K in keyof N]: string } };
}

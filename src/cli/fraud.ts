/**
 * `otpgate fraud …`: the operator's hand on the SMS-pumping guard. Block or unblock a prefix, keep numbers and
 * prefixes on the safe list, list what is blocked. Without --tenant a rule holds for every tenant.
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { createPrefixRules, UNTIL_LIFTED, type PrefixRules } from '../domain/prefix-rules.js';
import { EVERY_TENANT } from '../domain/ports.js';
import { createSecurityEvents } from '../domain/security-events.js';
import { KNOWN_BLOCK_MS } from '../domain/send-guard.js';
import type { Database } from '../store/database.js';
import { createStore } from '../store/index.js';
import { CommandError, parseCommandArgs, UsageError, type Command, type CommandContext } from './command.js';
import { withDatabase } from './database.js';
import { table, utcMinute } from './format.js';

const RELAX_NOTE = `a running server may go on refusing for up to ${KNOWN_BLOCK_MS / 1000} s (each node remembers a block it saw that long)`;
const TENANT_OPTION = `  --tenant <tenant>  one tenant's rule (default: every tenant's)`;

function rulesOn(db: Kysely<Database>, context: CommandContext): PrefixRules {
  const store = createStore(db);
  return createPrefixRules({
    store,
    clock: context.clock,
    policy: context.config().sendGuard,
    events: createSecurityEvents({ store: store.securityEvents, clock: context.clock }),
  });
}

/** The domain's refusal of a bad prefix or tenant, said as a usage error. */
async function onRules<T>(
  command: Command,
  context: CommandContext,
  work: (rules: PrefixRules) => Promise<T>,
) {
  try {
    return await withDatabase(context.config(), 'current', (db) => work(rulesOn(db, context)));
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_request') {
      const detail = error.details?.[0];
      throw new UsageError(
        `${detail?.field?.slice(1) ?? 'argument'} ${detail?.problem ?? 'is not valid'}`,
        command,
      );
    }
    throw error;
  }
}

const scope = (tenant: string | undefined) => (tenant === undefined ? 'every tenant' : `tenant "${tenant}"`);

const block: Command = {
  words: ['fraud', 'block'],
  usage: '<prefix> --reason <text> [--tenant <tenant>] [--hours <n>]',
  summary: 'block SMS with codes to a number prefix (e.g. +98912), until lifted or for some hours',
  details: `New codes to numbers under the prefix are refused with prefix_blocked on every face; the safe list
still wins. A running server sees the block at its next send to the range.

Options:
  --reason <text>    why, kept with the block and in the security events (required)
${TENANT_OPTION}
  --hours <n>        lift it by itself after n hours (default: until "otpgate fraud unblock")`,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      block,
      args,
      { reason: { type: 'string' }, tenant: { type: 'string' }, hours: { type: 'string' } },
      ['<prefix>'],
    );
    const reason = values.reason?.trim();
    if (!reason) throw new UsageError('--reason is required: say why, for whoever reads the events', block);
    if (values.hours !== undefined && !/^[1-9]\d{0,5}$/.test(values.hours)) {
      throw new UsageError('--hours must be a whole number of hours, 1 or more', block);
    }
    const placed = await onRules(block, context, (rules) =>
      rules.block({
        prefix: positionals[0],
        tenant: values.tenant,
        reason,
        seconds: values.hours === undefined ? undefined : Number(values.hours) * 3600,
      }),
    );
    const until =
      placed.blockedUntil === null || placed.blockedUntil.getTime() === UNTIL_LIFTED.getTime()
        ? 'until lifted'
        : `until ${utcMinute(placed.blockedUntil)}`;
    context.print(`Blocked ${placed.prefix} for ${scope(values.tenant)} ${until}.`);
  },
};

const unblock: Command = {
  words: ['fraud', 'unblock'],
  usage: '<prefix> [--tenant <tenant>]',
  summary: "lift the blocks on a prefix (the guard's or an operator's) and forget its recent counts",
  details: `Lifts the blocks on exactly this prefix: every tenant's (the guard blocks per tenant) unless
--tenant names one. Its counts of the last window are forgotten, so it is not blocked again at once; a
later block still counts as a repeat (it lasts twice as long).

Options:
${TENANT_OPTION}`,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(unblock, args, { tenant: { type: 'string' } }, [
      '<prefix>',
    ]);
    const lifted = await onRules(unblock, context, (rules) =>
      rules.unblock({ prefix: positionals[0], tenant: values.tenant }),
    );
    if (lifted.length === 0) {
      throw new CommandError(
        `${positionals[0]} is not blocked for ${scope(values.tenant)} ("otpgate fraud list" shows the blocks).`,
      );
    }
    const tenants = lifted.map((lift) => (lift.tenant === EVERY_TENANT ? 'every tenant' : lift.tenant));
    context.print(`Unblocked ${positionals[0]} for ${tenants.join(', ')}; ${RELAX_NOTE}.`);
  },
};

function safeCommand(add: boolean): Command {
  const command: Command = {
    words: ['fraud', 'safe', add ? 'add' : 'remove'],
    usage: add
      ? '<number-or-prefix> [--tenant <tenant>] [--note <text>]'
      : '<number-or-prefix> [--tenant <tenant>]',
    summary: add
      ? 'put a number or prefix on the safe list: the guard never blocks it'
      : 'take a number or prefix off the safe list',
    details: add
      ? `Sends to it are still counted, and still spend the budgets, but no block refuses them.

Options:
${TENANT_OPTION}
  --note <text>      who or what it is, for the list`
      : `Options:
${TENANT_OPTION}`,
    async run(args, context) {
      // --note is refused by remove (strict parsing), so only add ever reads it.
      const { values, positionals } = parseCommandArgs(
        command,
        args,
        { tenant: { type: 'string' }, ...(add ? { note: { type: 'string' } } : {}) } as {
          tenant: { type: 'string' };
          note: { type: 'string' };
        },
        ['<number-or-prefix>'],
      );
      const prefix = positionals[0];
      const changed = await onRules(command, context, (rules) =>
        add
          ? rules.addSafe({ prefix, tenant: values.tenant, note: values.note })
          : rules.removeSafe({ prefix, tenant: values.tenant }),
      );
      if (add) {
        context.print(
          changed
            ? `${prefix} is on the safe list for ${scope(values.tenant)}; ${RELAX_NOTE}.`
            : `${prefix} was already on the safe list for ${scope(values.tenant)}.`,
        );
      } else if (changed) {
        context.print(`${prefix} is off the safe list for ${scope(values.tenant)}.`);
      } else {
        throw new CommandError(`${prefix} is not on the safe list for ${scope(values.tenant)}.`);
      }
    },
  };
  return command;
}

const list: Command = {
  words: ['fraud', 'list'],
  usage: '[--json]',
  summary: 'the blocks in force and the safe list',
  details: `Options:
  --json  one JSON object, for scripts`,
  async run(args, context) {
    const { values } = parseCommandArgs(list, args, { json: { type: 'boolean' } }, []);
    const { blocks, safe } = await onRules(list, context, (rules) => rules.list());
    if (values.json) {
      context.print(JSON.stringify({ blocks, safe }, null, 2));
      return;
    }
    const tenantOf = (tenant: string) => (tenant === EVERY_TENANT ? '*' : tenant);
    context.print(
      blocks.length === 0
        ? 'No blocks in force.'
        : table([
            ['PREFIX', 'TENANT', 'BY', 'UNTIL', 'REPEATS', 'REASON'],
            ...blocks.map((b) => [
              b.prefix,
              tenantOf(b.tenant),
              b.source,
              b.blockedUntil === null || b.blockedUntil.getTime() === UNTIL_LIFTED.getTime()
                ? 'until lifted'
                : utcMinute(b.blockedUntil),
              String(b.repeats),
              b.reason,
            ]),
          ]),
    );
    context.print(
      safe.length === 0
        ? '\nThe safe list is empty.'
        : `\n${table([
            ['SAFE', 'TENANT', 'NOTE'],
            ...safe.map((entry) => [entry.prefix, tenantOf(entry.tenant), entry.note ?? '']),
          ])}`,
    );
  },
};

export const fraudCommands: readonly Command[] = [
  block,
  unblock,
  safeCommand(true),
  safeCommand(false),
  list,
];

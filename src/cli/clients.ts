/** `otpgate clients …`: API clients and their keys, for operators. Keys are printed once, never listed. */
import type { Kysely } from 'kysely';
import { ConfigError, type Config } from '../config.js';
import {
  accountSidOf,
  CLIENT_CACHE_MS,
  createClientRegistry,
  isClientCode,
  type ClientRegistry,
} from '../domain/clients.js';
import { DomainError } from '../domain/errors.js';
import type { Clock } from '../domain/ports.js';
import { isPhoneCountry } from '../domain/phones.js';
import { createSecretBox } from '../domain/secret-box.js';
import { createClientWebhooks } from '../domain/webhooks.js';
import { clientWebhookStore } from '../store/client-webhooks.js';
import { clientRegistryStore, clientStore } from '../store/clients.js';
import type { Database } from '../store/database.js';
import { CommandError, parseCommandArgs, UsageError, type Command, type CommandContext } from './command.js';
import { withDatabase } from './database.js';
import { table, utcMinute } from './format.js';

/** The server's key cache: a change made here reaches a running server within this time. */
const CACHE_NOTE = `a running server may take up to ${CLIENT_CACHE_MS / 1000} s to notice (it remembers each key's look-up that long)`;

/** Names show in lists; a paragraph is not a name. */
const MAX_NAME_LENGTH = 200;

function registryOn(db: Kysely<Database>, config: Config, clock: Clock): ClientRegistry {
  return createClientRegistry({
    store: clientRegistryStore(db),
    box: createSecretBox(config.codeSecret),
    clock,
  });
}

function checkedCode(command: Command, code: string): string {
  if (!isClientCode(code)) {
    throw new UsageError(`the code "${code}" must be 1 to 64 letters, digits, _ . or -`, command);
  }
  return code;
}

/** The domain's refusals, said with the command that fixes them. */
async function explainRefusals<T>(code: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'client_exists') {
      throw new CommandError(
        `An API client "${code}" already exists: "otpgate clients create ${code} --rotate" gives it a new key.`,
      );
    }
    if (error instanceof DomainError && error.code === 'client_not_found') {
      throw new CommandError(`No API client has the code "${code}" ("otpgate clients list" shows them all).`);
    }
    throw error;
  }
}

async function onRegistry<T>(context: CommandContext, work: (registry: ClientRegistry) => Promise<T>) {
  const config = context.config();
  return withDatabase(config, 'current', (db) => work(registryOn(db, config, context.clock)));
}

const create: Command = {
  words: ['clients', 'create'],
  usage: '<code> [--name <name>] [--tenant <tenant>] [--rotate]',
  summary: 'create an API client with a new random key, printed once',
  details: `Creates the client and prints its key on stdout, once: otpgate keeps only its hash (and a copy
sealed under CODE_SECRET for the legacy faces that sign with it), and will not show it again.
Clients send it as "Authorization: Bearer <key>".

Options:
  --name <name>      a name for people (default: the code)
  --tenant <tenant>  the organisation whose customers the client shares with its other clients
                     (default: the code, a tenant of its own)
  --rotate           give an existing client a new key instead; its old key stops working`,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      create,
      args,
      { name: { type: 'string' }, tenant: { type: 'string' }, rotate: { type: 'boolean' } },
      ['<code>'],
    );
    const code = checkedCode(create, positionals[0]);
    const name = values.name?.trim();
    if (values.rotate && (name !== undefined || values.tenant !== undefined)) {
      throw new UsageError('--rotate keeps the name and tenant: leave out --name and --tenant', create);
    }
    if (values.tenant !== undefined && !isClientCode(values.tenant)) {
      throw new UsageError(`the tenant "${values.tenant}" must be 1 to 64 letters, digits, _ . or -`, create);
    }
    if (name !== undefined && (name === '' || name.length > MAX_NAME_LENGTH)) {
      throw new UsageError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`, create);
    }
    const { client, key } = await onRegistry(context, async (registry) => {
      // A key sealed under another secret would be unreadable to the server (CBSS signatures).
      if (!(await registry.sealsLikeTheServer())) {
        throw new ConfigError(
          'CODE_SECRET',
          "does not open the client keys already stored: run the CLI with the server's CODE_SECRET " +
            '(in development, the one generated in DATA_DIR/code-secret)',
        );
      }
      return explainRefusals(code, () =>
        values.rotate ? registry.rotate(code) : registry.create(code, name, values.tenant),
      );
    });
    if (values.rotate) {
      context.tell(
        `New key for API client "${client.code}" below, shown this once: otpgate will not show it again.\n` +
          `The old key is refused from now on; ${CACHE_NOTE}.`,
      );
      if (!client.active) {
        context.tell(
          `"${client.code}" is disabled: "otpgate clients enable ${client.code}" lets the new key in.`,
        );
      }
    } else {
      context.tell(
        `Created API client "${client.code}" (${client.name}) in tenant "${client.tenant}"; ` +
          `its Twilio Verify Account SID is ${accountSidOf(client.id)}. ` +
          'Its key is below, shown this once: ' +
          'otpgate will not show it again, so store it now.',
      );
    }
    context.print(key);
  },
};

const list: Command = {
  words: ['clients', 'list'],
  usage: '[--json]',
  summary: 'list the API clients: code, name, tenant, Account SID, active, created (never keys)',
  details: `Options:
  --json  one JSON array, for scripts`,
  async run(args, context) {
    const { values } = parseCommandArgs(list, args, { json: { type: 'boolean' } }, []);
    const clients = await onRegistry(context, (registry) => registry.list());
    if (values.json) {
      const rows = clients.map(({ id, code, name, tenant, active, smsCountries, createdAt }) => ({
        code,
        name,
        tenant,
        accountSid: accountSidOf(id),
        active,
        smsCountries: smsCountries ?? null,
        createdAt,
      }));
      context.print(JSON.stringify(rows, null, 2));
      return;
    }
    if (clients.length === 0) {
      context.tell('No API clients yet: "otpgate clients create <code>" makes one.');
      return;
    }
    const rows = clients.map((c) => [
      c.code,
      c.name,
      c.tenant,
      accountSidOf(c.id),
      c.active ? 'yes' : 'no',
      utcMinute(c.createdAt),
    ]);
    context.print(table([['CODE', 'NAME', 'TENANT', 'ACCOUNT SID', 'ACTIVE', 'CREATED'], ...rows]));
  },
};

function switchCommand(active: boolean): Command {
  const command: Command = {
    words: ['clients', active ? 'enable' : 'disable'],
    usage: '<code>',
    summary: active
      ? 'let a disabled client in again'
      : "refuse a client's key (it is kept, and can be enabled)",
    details: active
      ? `The client's key works again; ${CACHE_NOTE}.`
      : `The client's key is refused until "otpgate clients enable"; ${CACHE_NOTE}.`,
    async run(args, context) {
      const { positionals } = parseCommandArgs(command, args, {}, ['<code>']);
      const code = checkedCode(command, positionals[0]);
      await onRegistry(context, (registry) => explainRefusals(code, () => registry.setActive(code, active)));
      context.print(
        active
          ? `Enabled API client "${code}": its key works again; ${CACHE_NOTE}.`
          : `Disabled API client "${code}": its key is refused from now on; ${CACHE_NOTE}.`,
      );
    },
  };
  return command;
}

const set: Command = {
  words: ['clients', 'set'],
  usage: '<code> --countries <AE,SA,...|default>',
  summary: 'set the countries a client may text codes to (over SMS_COUNTRIES)',
  details: `A code to a number outside them is refused with country_not_permitted before anything is written.

Options:
  --countries <list>  ISO alpha-2 countries, comma-separated ("*" for every one), or "default" for
                      SMS_COUNTRIES`,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(set, args, { countries: { type: 'string' } }, [
      '<code>',
    ]);
    const code = checkedCode(set, positionals[0]);
    if (values.countries === undefined) throw new UsageError('--countries is required', set);
    const raw = values.countries.trim();
    const countries =
      raw === 'default' ? null : raw.split(',').map((country) => country.trim().toUpperCase());
    for (const country of countries ?? []) {
      if (country !== '*' && !isPhoneCountry(country)) {
        throw new UsageError(`"${country}" is not an ISO alpha-2 country with phone numbers`, set);
      }
    }
    const client = await onRegistry(context, (registry) =>
      explainRefusals(code, () => registry.setCountries(code, countries)),
    );
    const allowed =
      client.smsCountries === null || client.smsCountries === undefined
        ? 'SMS_COUNTRIES'
        : client.smsCountries.join(', ');
    context.print(`API client "${code}" may text: ${allowed}; ${CACHE_NOTE}.`);
  },
};

const webhook: Command = {
  words: ['clients', 'webhook'],
  usage: '<code> [--url <url> | --remove]',
  summary: "show, set or remove a client's webhook (set prints its signing secret, once)",
  details: `Status changes of the client's tenant's verifications and messages are posted to its webhook,
signed with a secret (docs/webhooks.md). Without options, shows the URL.

Options:
  --url <url>  post to this URL from now on; prints a new signing secret on stdout, once (the old one
               stops signing: posts still queued are signed with the new one)
  --remove     stop posting; posts still queued are dropped

In production the URL must be https and public (no loopback or private address), unless
WEBHOOK_ALLOW_PRIVATE_URLS=true.`,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      webhook,
      args,
      { url: { type: 'string' }, remove: { type: 'boolean' } },
      ['<code>'],
    );
    const code = checkedCode(webhook, positionals[0]);
    if (values.url !== undefined && values.remove) {
      throw new UsageError('give either --url or --remove', webhook);
    }
    const config = context.config();
    await withDatabase(config, 'current', async (db) => {
      const client = await clientStore(db).findByCode(code);
      if (client === undefined) {
        throw new CommandError(
          `No API client has the code "${code}" ("otpgate clients list" shows them all).`,
        );
      }
      const box = createSecretBox(config.codeSecret);
      const webhooks = createClientWebhooks({
        store: { webhooks: clientWebhookStore(db) },
        box,
        clock: context.clock,
        policy: config.clientWebhooks,
      });
      try {
        if (values.remove) {
          await webhooks.remove(client.id);
          context.print(`Removed the webhook of API client "${code}": nothing more is posted to it.`);
        } else if (values.url !== undefined) {
          // A secret sealed under another CODE_SECRET could not be opened by the server to sign with.
          const registry = registryOn(db, config, context.clock);
          if (!(await registry.sealsLikeTheServer())) {
            throw new ConfigError(
              'CODE_SECRET',
              "is not the server's: run the CLI with the server's CODE_SECRET",
            );
          }
          const registered = await webhooks.register(client.id, values.url);
          context.tell(
            `Status changes of tenant "${client.tenant}" are posted to ${registered.url} for "${code}". ` +
              'Its signing secret is below, shown this once: otpgate will not show it again.',
          );
          context.print(registered.secret);
        } else {
          const found = await webhooks.get(client.id);
          context.print(`${found.url}\t(since ${utcMinute(found.updatedAt)})`);
        }
      } catch (error) {
        if (error instanceof DomainError && error.code === 'webhook_not_found') {
          throw new CommandError(`API client "${code}" has no webhook ("--url <url>" sets one).`);
        }
        if (error instanceof DomainError && error.code === 'invalid_request') {
          throw new CommandError(`The URL ${error.details?.[0]?.problem ?? 'is not allowed'}.`);
        }
        throw error;
      }
    });
  },
};

export const clientCommands: readonly Command[] = [
  create,
  list,
  set,
  switchCommand(false),
  switchCommand(true),
  webhook,
];

/**
 * SMS_PROVIDERS -> provider instances, in failover order. Each URL's scheme picks its module; each instance
 * gets a name (recorded on messages, used in webhook paths and SMS_ROUTES): `smpp-1`, `smpp-2`, ... for SMPP
 * accounts, the kind for the first of the other kinds (`twilio`, `vonage`, `http`) and `twilio-2` ... after it,
 * or the name written after a '#' at the end of the URL. Every URL is checked before any connection is made,
 * and a bad one stops the start with a message naming it by position and scheme, never echoing it (it holds secrets).
 */
import { ConfigError } from '../../config.js';
import type { SmsProvider } from '../provider.js';
import { createHttpGatewayProvider, parseHttpGatewayUrl } from './http/index.js';
import { createSmppProvider, parseSmppUrl, type SmppLogger } from './smpp/index.js';
import { createTwilioProvider, parseTwilioUrl } from './twilio/index.js';
import { createVonageProvider, parseVonageUrl } from './vonage/index.js';
import { createWhatsAppProvider, parseWhatsAppUrl } from './whatsapp/index.js';
import { createSmtpProvider, parseSmtpUrl } from './smtp/index.js';

export interface ProviderRegistryOptions {
  /** otpgate's public base URL: Twilio and Vonage are told to post receipts to {publicUrl}/webhooks/sms/{name}. */
  publicUrl: string;
  /** Signs the receipt URLs HTTP gateways are handed; the same on every node (derived from CODE_SECRET). */
  receiptKey: Buffer;
  logger: SmppLogger;
  now: () => Date;
}

/** A provider URL checked and named, not yet connected. */
export interface ProviderPlan {
  name: string;
  kind: 'smpp' | 'twilio' | 'vonage' | 'http' | 'whatsapp' | 'smtp';
  create(options: ProviderRegistryOptions): SmsProvider;
}

const VARIABLE = 'SMS_PROVIDERS';
const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/i;

function kindOf(scheme: string): ProviderPlan['kind'] | undefined {
  if (scheme === 'smpp' || scheme === 'smpps') return 'smpp';
  if (scheme === 'twilio' || scheme === 'vonage') return scheme;
  // The gateway's own address (http or https) is in url= or its config file; both schemes read the same.
  if (scheme === 'http' || scheme === 'https') return 'http';
  // The other channels: WhatsApp's Cloud API, and email by SMTP (smtps: TLS from the first byte).
  if (scheme === 'whatsapp') return 'whatsapp';
  if (scheme === 'smtp' || scheme === 'smtps') return 'smtp';
  return undefined;
}

export function webhookPath(name: string): string {
  return `/webhooks/sms/${name}`;
}

export interface PlanOptions {
  /** NODE_ENV=production: webhooks that could be forged refuse to start. */
  production?: boolean;
  /** Reads an HTTP gateway's config file (tests hand one in). */
  readFile?: (path: string) => string;
  /** PUBLIC_URL was set; in production a provider that calls back needs it (or it would call localhost). */
  publicUrlGiven?: boolean;
}

function needsPublicUrl({ production = false, publicUrlGiven = true }: PlanOptions, kind: string): void {
  if (production && !publicUrlGiven) {
    throw new Error(
      `${kind} sends delivery receipts to PUBLIC_URL/webhooks/sms/...: set PUBLIC_URL (required when NODE_ENV=production)`,
    );
  }
}

function plan(
  url: string,
  kind: ProviderPlan['kind'],
  name: string,
  options: PlanOptions,
): ProviderPlan['create'] {
  const { production = false, readFile } = options;
  switch (kind) {
    case 'smpp': {
      const config = parseSmppUrl(url);
      return ({ logger, now }) => createSmppProvider(config, { name, logger, now });
    }
    case 'twilio': {
      const config = parseTwilioUrl(url);
      needsPublicUrl(options, 'twilio');
      return ({ publicUrl, now }) =>
        createTwilioProvider(config, { name, now, statusCallbackUrl: `${publicUrl}${webhookPath(name)}` });
    }
    case 'vonage': {
      const config = parseVonageUrl(url);
      needsPublicUrl(options, 'vonage');
      if (production && config.signatureSecret === undefined) {
        throw new Error(
          'vonage URL: signature_secret is required when NODE_ENV=production (unsigned receipts can be forged)',
        );
      }
      return ({ publicUrl, now }) =>
        createVonageProvider(config, { name, now, statusCallbackUrl: `${publicUrl}${webhookPath(name)}` });
    }
    case 'whatsapp': {
      const config = parseWhatsAppUrl(url);
      return ({ now }) => createWhatsAppProvider(config, { name, now });
    }
    case 'smtp': {
      const config = parseSmtpUrl(url);
      return () => createSmtpProvider(config, { name });
    }
    case 'http': {
      const http = url.replace(/^https:/i, 'http:');
      const config = readFile ? parseHttpGatewayUrl(http, readFile) : parseHttpGatewayUrl(http);
      if (config.receipts !== undefined) needsPublicUrl(options, 'http gateway with receipts');
      if (production && config.receipts?.acceptUnsigned === true) {
        throw new Error(
          'http gateway: unsigned receipts are refused when NODE_ENV=production (they can be forged): hand the gateway {receiptUrl} or give receipts.token',
        );
      }
      return ({ publicUrl, receiptKey, now }) =>
        createHttpGatewayProvider(config, {
          name,
          now,
          receiptSigner: { webhookUrl: `${publicUrl}${webhookPath(name)}`, key: receiptKey },
        });
    }
  }
}

/** Checks every URL and names every instance; throws ConfigError naming the entry at fault. */
export function planSmsProviders(urls: readonly string[], options: PlanOptions = {}): ProviderPlan[] {
  const seen = new Map<string, number>();
  const names = new Set<string>();
  return urls.map((entry, index) => {
    const where = `entry ${index + 1}`;
    const hash = entry.lastIndexOf('#');
    const url = hash === -1 ? entry : entry.slice(0, hash);
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
    if (scheme === undefined)
      throw new ConfigError(VARIABLE, `${where} is not a provider URL (scheme://...)`);
    const kind = kindOf(scheme);
    if (kind === undefined) {
      throw new ConfigError(
        VARIABLE,
        `${where} has unknown scheme ${scheme}:// (known: smpp, smpps, twilio, vonage, http, https, whatsapp, smtp, smtps)`,
      );
    }
    const count = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, count);
    const name =
      hash !== -1 ? entry.slice(hash + 1) : kind === 'smpp' || count > 1 ? `${kind}-${count}` : kind;
    if (!NAME.test(name)) {
      throw new ConfigError(VARIABLE, `${where}: name "${name}" must be letters, digits, - and _`);
    }
    if (names.has(name)) throw new ConfigError(VARIABLE, `${where}: name "${name}" is used twice`);
    names.add(name);
    try {
      return { name, kind, create: plan(url, kind, name, options) };
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      throw new ConfigError(VARIABLE, `${where} (${name}): ${problem}`);
    }
  });
}

/** Builds the instances from checked plans (connections start here). */
export function createSmsProviders(
  plans: readonly ProviderPlan[],
  options: ProviderRegistryOptions,
): SmsProvider[] {
  return plans.map((plan) => plan.create(options));
}

/**
 * Environment -> one typed, validated config object. Every limit and default is named here with
 * its reason, and can be overridden by the environment. A bad value stops the start with a message
 * naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTemplateOverrides, WEB_OTP_HOST, type TemplateOverrides } from './domain/templates.js';
import { parseCountryLocales, type CountryLocales } from './domain/locales.js';
import { readPriceTable, type PriceTable } from './sms/pricing.js';
import { ADMIN_KEY_MIN_LENGTH } from './domain/admin-sessions.js';
import { isClientCode } from './domain/clients.js';
import type { PasswordPolicy, SendGuardPolicy, VerificationPolicy } from './domain/policies.js';
import { isPrefix } from './domain/send-guard.js';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { UNNAMED_TENANT } from './domain/types.js';

export type { VerificationPolicy } from './domain/policies.js';

export interface RateLimitPolicy {
  /** Requests per IP per minute on the API (a burst guard, not a quota). */
  perIpPerMinute: number;
  /** Requests per client per minute. */
  perClientPerMinute: number;
  /** Verification starts per phone per minute (the durable per-phone send limit is in VerificationPolicy). */
  perPhonePerMinute: number;
  /**
   * Provider webhook calls per IP per minute: a budget of their own, far above any provider's receipt rate
   * (a refused receipt may be lost), but a bound on whoever floods the unauthenticated route.
   */
  webhookPerIpPerMinute: number;
  /** Console sign-in attempts per IP per minute: an admin key must not be guessable by trying. */
  adminSignInPerIpPerMinute: number;
}

/** Slow clients hold a socket each: these bound how long one may take (Node's http.Server settings). */
export interface HttpTimeouts {
  /** The whole request (headers and body) must arrive within this: a trickled body is cut off. */
  requestMs: number;
  /** The headers must arrive within this (slowloris); never above requestMs. */
  headersMs: number;
  /** An idle keep-alive connection is closed after this; above a load balancer's idle timeout (AWS ALB: 60 s). */
  keepAliveMs: number;
  /**
   * How often Node looks for requests past their timeout (its default, 30 s, would let a slow body live up
   * to twice the timeout): a tenth of the shortest timeout, within [50 ms, 1 s].
   */
  checkIntervalMs: number;
}

/** What a provider webhook may carry: receipts are a few short fields. */
export interface WebhookLimits {
  /**
   * A provider's message id longer than this is refused (400): real ids are under 64 characters, and
   * PostgreSQL cannot index a value over ~2.7 KB (at most 512 here, 4 bytes a character).
   */
  receiptIdMaxLength: number;
  /** Webhook bodies above this are refused with 413: a receipt is well under 2 KiB. */
  bodyLimitBytes: number;
}

/** Client webhooks (docs/webhooks.md): where they may point, and how they are delivered. */
export interface ClientWebhookSettings {
  /**
   * WEBHOOK_ALLOW_PRIVATE_URLS: loopback, private and link-local targets (and plain http) allowed. Off in
   * production (SSRF: a client could make otpgate call the operator's internal services), on otherwise so a
   * receiver on localhost works.
   */
  allowPrivateTargets: boolean;
  /** The longest one post may take (connect, headers, body): a receiver should answer at once and work later. */
  timeoutMs: number;
  /** Retried with exponential backoff for this long after the change, then given up (Stripe: 3 days). */
  giveUpAfterMs: number;
  /** How often an idle worker looks for due deliveries. */
  pollMs: number;
  /** Posts in flight at once per node. */
  concurrency: number;
}

export interface Config {
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** SHUTDOWN_DRAIN_SECONDS: after SIGTERM, how long the node still serves while it reports unready. */
  shutdownDrainSeconds: number;
  /**
   * PostgreSQL only: the longest a statement may run before the server cancels it (and the request answers
   * 503), and how long a connection may take to open, so that an outage or a partition is answered, not waited
   * out. OTP statements take milliseconds; a migration that needs longer sets its own (SET LOCAL).
   */
  databaseStatementTimeoutMs: number;
  databaseConnectTimeoutMs: number;
  redisUrl: string | undefined;
  /** Longest wait for Redis per command before the rate limits fall back to this node's memory. */
  redisCommandTimeoutMs: number;
  /** BOOTSTRAP_CLIENT: code:key or code:key:tenant (the tenant defaults to the code). */
  bootstrapClient: { code: string; key: string; tenant: string } | undefined;
  /** Server secret keying the code HMAC and sealing stored secrets. */
  codeSecret: Buffer;
  logLevel: string;
  /** Name put in SMS texts ({appName}). */
  appName: string;
  /** SMS_TEMPLATES: the operator's own texts per purpose or notice and locale (JSON), over the defaults. */
  smsTemplates: TemplateOverrides;
  /**
   * COUNTRY_LOCALES: the language of a text whose request names none, by the number's country: Arabic for the
   * Arab League's members, Persian for Iran, English elsewhere, with these entries (`EG=en,AF=fa`) over them.
   */
  countryLocales: CountryLocales;
  /** WebOTP / SMS Retriever domain: adds the "@domain #code" line to every OTP text. */
  webOtpDomain: string | undefined;
  /** Public base URL of this service (provider webhooks point at it). */
  publicUrl: string;
  /** PUBLIC_URL was set: without it providers would be told to call localhost (refused in production). */
  publicUrlGiven: boolean;
  /**
   * Behind a load balancer, whose X-Forwarded-For to believe (TRUST_PROXY: true, or the proxies'
   * addresses/CIDRs); otherwise every client shares the proxy's address and its per-IP limit.
   */
  trustProxy: boolean | string;
  /** Days finished verifications and messages are kept (delivery disputes, audits), then purged. */
  retentionDays: number;
  /** Request bodies above this are refused with 413: OTP requests are tiny. */
  bodyLimitBytes: number;
  verification: VerificationPolicy;
  passwords: PasswordPolicy;
  /** SMS_COUNTRIES, the SMS-pumping guard (GUARD_*) and the send budgets (SEND_BUDGET_*). */
  sendGuard: SendGuardPolicy;
  rateLimits: RateLimitPolicy;
  httpTimeouts: HttpTimeouts;
  webhooks: WebhookLimits;
  clientWebhooks: ClientWebhookSettings;
  /** Legacy faces whose client authentication is switched off, for a drop-in migration (FACES_WITHOUT_AUTH). */
  facesWithoutAuth: ReadonlySet<string>;
  /**
   * The tenant those faces act in (FACES_WITHOUT_AUTH_TENANT): by default the unnamed one, which only they
   * see; name a tenant to let them share its customers with the keyed clients of a migration.
   */
  facesWithoutAuthTenant: string;
  /** Comma-separated provider URLs in failover order; empty means the dev outbox file. */
  smsProviders: string[];
  /** How long a claimed outbox message stays leased to one dispatcher before another may take it. */
  smsLeaseSeconds: number;
  /** Dispatcher poll interval when idle (new messages also wake it at once on the same node). */
  smsPollMs: number;
  /** Longest a sent message's record waits for the rest of its claim, to share one statement with them. */
  smsRecordWaitMs: number;
  /** SMS_ROUTES: providers by destination prefix or country (checked against the provider names at start). */
  smsRoutes: string;
  /** Messages one node has in flight at once; half of them at most notices, so OTPs always find room. */
  smsConcurrency: number;
  /** How long a provider that keeps failing is skipped before one trial send may go through it again. */
  smsBreakerOpenMs: number;
  /** Estimated price per SMS part by provider and country (SMS_PRICES, JSON); empty: messages go unpriced. */
  smsPrices: PriceTable;
  /** ISO 4217 currency of SMS_PRICES. */
  smsCurrency: string;
  /** The sender number the Bitel face reports (its clients show it); Bitel's documented sample by default. */
  bitelGatewayNumber: string;
  /**
   * METRICS_TOKEN: the bearer token Prometheus sends for GET /metrics. Unset, /metrics is not served at all:
   * the API port faces the clients, and traffic volumes are nobody else's business.
   */
  metricsToken: string | undefined;
  /**
   * ADMIN_KEY: the operator console's sign-in key (at least 24 characters). Unset, the console and its API
   * are not served at all.
   */
  adminKey: string | undefined;
  /** How long a console session lasts (ADMIN_SESSION_HOURS). */
  adminSessionSeconds: number;
}

export class ConfigError extends Error {
  /** Every problem found, each naming its variable: an operator fixes them all in one go. */
  readonly problems: readonly string[];
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
    this.problems = [`${variable} ${problem}`];
  }

  static of(errors: readonly ConfigError[]): ConfigError {
    if (errors.length === 1 && errors[0] !== undefined) return errors[0];
    const all = new ConfigError('', '');
    const problems = errors.flatMap((error) => error.problems);
    return Object.assign(all, {
      problems,
      message: `Invalid configuration (${problems.length} problems):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    });
  }
}

/**
 * Reads one setting; a bad one is noted and the reading goes on, so that loadConfig reports every problem at
 * once. The placeholder it returns is never used: loadConfig throws before returning a config.
 */
function collector() {
  const problems: ConfigError[] = [];
  return {
    problems,
    check<T>(read: () => T): T {
      try {
        return read();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(error);
        return undefined as T;
      }
    },
  };
}

/** The key the README shows: fine for a first run, refused in production. */
export const README_PLACEHOLDER_KEY = 'change-me-to-a-long-random-key';
/** A client key an attacker cannot guess or try through: 24 characters of a random key are ~140 bits. */
export const MIN_PRODUCTION_KEY_LENGTH = 24;

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

function parseBootstrapClient(raw: string | undefined): Config['bootstrapClient'] {
  if (raw === undefined || raw === '') return undefined;
  const [code = '', key = '', tenant = code, ...rest] = raw.split(':');
  if (rest.length > 0 || !isClientCode(code) || !isClientCode(tenant)) {
    throw new ConfigError(
      'BOOTSTRAP_CLIENT',
      'must be code:key or code:key:tenant, with a code and tenant of letters, digits, _ . - and no ":" in the key',
    );
  }
  // A client key is a bearer secret: short keys are guessable.
  if (key.length < 16) throw new ConfigError('BOOTSTRAP_CLIENT', 'key must be at least 16 characters');
  return { code, key, tenant };
}

function parseTestNumbers(raw: string | undefined, codeLength: number): Map<string, string> {
  const numbers = new Map<string, string>();
  if (raw === undefined || raw.trim() === '') return numbers;
  for (const entry of raw.split(',')) {
    const [phone, code] = entry.trim().split(':');
    if (!phone || !/^\+[1-9]\d{6,14}$/.test(phone)) {
      throw new ConfigError('TEST_NUMBERS', `entry "${entry}" needs an E.164 number before the colon`);
    }
    if (!code || !new RegExp(`^\\d{${codeLength}}$`).test(code)) {
      throw new ConfigError('TEST_NUMBERS', `entry for ${phone} needs a ${codeLength}-digit code`);
    }
    numbers.set(phone, code);
  }
  return numbers;
}

/** A bearer secret like a client key: a short one is guessable. */
const METRICS_TOKEN_MIN_LENGTH = 16;

function parseMetricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < METRICS_TOKEN_MIN_LENGTH || /\s/.test(raw)) {
    throw new ConfigError(
      'METRICS_TOKEN',
      `must be at least ${METRICS_TOKEN_MIN_LENGTH} characters without spaces`,
    );
  }
  return raw;
}

function parseAdminKey(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < ADMIN_KEY_MIN_LENGTH || /\s/.test(raw)) {
    throw new ConfigError('ADMIN_KEY', `must be at least ${ADMIN_KEY_MIN_LENGTH} characters without spaces`);
  }
  return raw;
}

function parseSmsPrices(raw: string | undefined): PriceTable {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError('SMS_PRICES', `is not valid JSON (${(error as Error).message})`);
  }
  try {
    return readPriceTable(parsed);
  } catch (error) {
    throw new ConfigError('SMS_PRICES', (error as Error).message);
  }
}

function parseCurrency(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'USD';
  if (!/^[A-Z]{3}$/.test(raw))
    throw new ConfigError('SMS_CURRENCY', `must be an ISO 4217 code like USD, got "${raw}"`);
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function parseTrustProxy(raw: string | undefined, production: boolean): boolean | string {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return false;
  // Trusting every hop lets any client write its own X-Forwarded-For, and so choose its per-IP budget.
  if (value === 'true' && production) {
    throw new ConfigError(
      'TRUST_PROXY',
      "must name the proxies' addresses/CIDRs when NODE_ENV=production, not true",
    );
  }
  if (value === 'true') return true;
  if (/^[0-9a-f.:/, ]+$/i.test(value)) return value;
  throw new ConfigError('TRUST_PROXY', `must be true, false or the proxies' addresses/CIDRs, got "${value}"`);
}

const LEGACY_FACES = ['customers', 'cbss', 'menuapp', 'bitel'];

function parseSmsTemplates(raw: string | undefined): TemplateOverrides {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    return parseTemplateOverrides(raw);
  } catch (error) {
    throw new ConfigError('SMS_TEMPLATES', error instanceof Error ? error.message : String(error));
  }
}

function parseCountryLocalesEnv(raw: string | undefined): CountryLocales {
  try {
    return parseCountryLocales(raw ?? '');
  } catch (error) {
    throw new ConfigError('COUNTRY_LOCALES', error instanceof Error ? error.message : String(error));
  }
}

function parseTenant(raw: string | undefined): string {
  if (raw === undefined || raw === '') return UNNAMED_TENANT;
  if (!isClientCode(raw)) {
    throw new ConfigError('FACES_WITHOUT_AUTH_TENANT', 'must be 1 to 64 letters, digits, _ . or -');
  }
  return raw;
}

function parseFacesWithoutAuth(raw: string | undefined): ReadonlySet<string> {
  const faces = (raw ?? '')
    .split(',')
    .map((face) => face.trim())
    .filter((face) => face !== '');
  for (const face of faces) {
    if (!LEGACY_FACES.includes(face)) {
      throw new ConfigError(
        'FACES_WITHOUT_AUTH',
        `names unknown face "${face}" (known: ${LEGACY_FACES.join(', ')})`,
      );
    }
  }
  return new Set(faces);
}

function parseHttpTimeouts(env: Env): HttpTimeouts {
  const requestMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000);
  // Node's own default is 60 s; a proxy sends headers at once, and an OTP request's headers are small.
  const headersMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', Math.min(10_000, requestMs), 100, 600_000);
  if (headersMs > requestMs) {
    throw new ConfigError(
      'HTTP_HEADERS_TIMEOUT_MS',
      `must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestMs})`,
    );
  }
  return {
    requestMs,
    headersMs,
    keepAliveMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 600_000),
    checkIntervalMs: Math.min(1000, Math.max(50, Math.floor(headersMs / 10))),
  };
}

/** ISO alpha-2 country codes, comma-separated; '*' for every one. */
function parseCountries(name: string, raw: string | undefined): '*' | ReadonlySet<string> {
  const value = (raw ?? '').trim();
  if (value === '' || value === '*') return '*';
  const countries = value.split(',').map((entry) => entry.trim().toUpperCase());
  for (const country of countries) {
    if (!isSupportedCountry(country)) {
      throw new ConfigError(name, `names "${country}", not an ISO alpha-2 country with phone numbers`);
    }
  }
  return new Set(countries);
}

function parseList<T>(name: string, raw: string | undefined, read: (entry: string) => T | undefined): T[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry) => {
    const value = read(entry);
    if (value === undefined) throw new ConfigError(name, `has a bad entry "${entry}"`);
    return value;
  });
}

/** SEND_BUDGET_COUNTRY_PER_HOUR: "1000" for every country, or "1000,IR:200,GB:500" with some of their own. */
function parseCountryBudgets(raw: string | undefined): { every: number; own: Map<string, number> } {
  const name = 'SEND_BUDGET_COUNTRY_PER_HOUR';
  // 1,000 an hour: a tenant's day budget (10,000) takes ten hours to spend on one country.
  let every = 1000;
  const own = new Map<string, number>();
  for (const entry of parseList(
    name,
    raw,
    (entry) => /^(?:([A-Za-z]{2}):)?(\d{1,9})$/.exec(entry) ?? undefined,
  )) {
    const [, country, figure] = entry;
    if (country === undefined) every = Number(figure);
    else if (isSupportedCountry(country.toUpperCase())) own.set(country.toUpperCase(), Number(figure));
    else throw new ConfigError(name, `names "${country}", not an ISO alpha-2 country`);
  }
  return { every, own };
}

/** The SMS-pumping guard, geo permissions and send budgets; docs/security.md says why each default. */
function parseSendGuard(env: Env): SendGuardPolicy {
  const digits = parseList('GUARD_PREFIX_DIGITS', env.GUARD_PREFIX_DIGITS || '2,3,5', (entry) =>
    // 0: the country code alone (the whole country counted as one range).
    /^\d{1,2}$/.test(entry) && Number(entry) <= 12 ? Number(entry) : undefined,
  );
  const blockSeconds = integer(env, 'GUARD_BLOCK_SECONDS', 12 * 3600, 60, 30 * 86400);
  const countryBudgets = parseCountryBudgets(env.SEND_BUDGET_COUNTRY_PER_HOUR);
  return {
    smsCountries: parseCountries('SMS_COUNTRIES', env.SMS_COUNTRIES),
    prefixDigits: [...new Set(digits)].sort((a, b) => a - b),
    // An hour: pumping bursts in minutes, and a real user's code is used (or not) within its 10-minute TTL.
    windowSeconds: integer(env, 'GUARD_WINDOW_SECONDS', 3600, 300, 86400),
    maxUnconverted: integer(env, 'GUARD_MAX_UNCONVERTED', 20, 1, 100_000),
    minConversionPercent: integer(env, 'GUARD_MIN_CONVERSION_PERCENT', 10, 1, 100),
    // Twilio Fraud Guard's 12 hours, doubled on each repeat, up to a week.
    blockSeconds,
    maxBlockSeconds: Math.max(
      blockSeconds,
      integer(env, 'GUARD_MAX_BLOCK_SECONDS', 7 * 86400, 60, 365 * 86400),
    ),
    repeatMemorySeconds: 7 * 86400,
    blockedPrefixes: parseList('GUARD_BLOCKED_PREFIXES', env.GUARD_BLOCKED_PREFIXES, (entry) =>
      isPrefix(entry) ? entry : undefined,
    ),
    tenantSendsPerDay: integer(env, 'SEND_BUDGET_TENANT_PER_DAY', 10_000, 1, 100_000_000),
    countrySendsPerHour: countryBudgets.every,
    countrySendsPerHourOverrides: countryBudgets.own,
  };
}

/** In development a missing secret is generated once into the data dir, so codes survive restarts. */
function resolveCodeSecret(env: Env, production: boolean, dataDir: string): Buffer {
  const raw = env.CODE_SECRET;
  if (raw !== undefined && raw !== '') {
    if (raw.length < 32) throw new ConfigError('CODE_SECRET', 'must be at least 32 characters');
    return Buffer.from(raw, 'utf8');
  }
  if (production) throw new ConfigError('CODE_SECRET', 'is required when NODE_ENV=production');
  const file = join(dataDir, 'code-secret');
  let stored: string | undefined;
  try {
    stored = readFileSync(file, 'utf8').trim();
  } catch {
    stored = undefined;
  }
  if (stored !== undefined) {
    // A truncated or emptied file would key every code with a weak secret: refuse it.
    if (stored.length < 32)
      throw new ConfigError('CODE_SECRET', `file ${file} holds fewer than 32 characters`);
    return Buffer.from(stored, 'utf8');
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return Buffer.from(secret, 'utf8');
}

export function loadConfig(env: Env = process.env): Config {
  const { problems, check } = collector();
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.DATA_DIR || './data');
  const port = check(() => integer(env, 'PORT', 8080, 0, 65535)) ?? 8080;
  const host = env.HOST || '0.0.0.0';
  const codeLength = check(() => integer(env, 'CODE_LENGTH', 6, 4, 10)) ?? 6;
  const webOtpDomain = env.WEBOTP_DOMAIN || undefined;
  if (webOtpDomain !== undefined && !WEB_OTP_HOST.test(webOtpDomain)) {
    problems.push(new ConfigError('WEBOTP_DOMAIN', `must be a bare host name, got "${webOtpDomain}"`));
  }
  const smsProviders = (env.SMS_PROVIDERS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (production && smsProviders.length === 0) {
    problems.push(
      new ConfigError(
        'SMS_PROVIDERS',
        'must name a real provider when NODE_ENV=production (the dev outbox file only logs codes)',
      ),
    );
  }
  const publicUrl = check(() => url(env, 'PUBLIC_URL', ['http:', 'https:']));

  const config: Config = {
    production,
    port,
    host,
    dataDir,
    databaseUrl: check(() => url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'])),
    databaseStatementTimeoutMs: check(() =>
      integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
    ),
    databaseConnectTimeoutMs: check(() => integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000)),
    redisUrl: check(() => url(env, 'REDIS_URL', ['redis:', 'rediss:'])),
    // A rate-limit check costs well under a millisecond on a healthy Redis: half a second means it is not one.
    redisCommandTimeoutMs: check(() => integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 500, 10, 60_000)),
    bootstrapClient: check(() => parseBootstrapClient(env.BOOTSTRAP_CLIENT)),
    codeSecret: check(() => resolveCodeSecret(env, production, dataDir)),
    logLevel: env.LOG_LEVEL || 'info',
    appName: env.APP_NAME || 'otpgate',
    smsTemplates: check(() => parseSmsTemplates(env.SMS_TEMPLATES)),
    countryLocales: check(() => parseCountryLocalesEnv(env.COUNTRY_LOCALES)),
    webOtpDomain,
    publicUrl: (publicUrl ?? `http://localhost:${port}`).replace(/\/$/, ''),
    publicUrlGiven: publicUrl !== undefined,
    trustProxy: check(() => parseTrustProxy(env.TRUST_PROXY, production)),
    retentionDays: check(() => integer(env, 'RETENTION_DAYS', 30, 1, 3650)),
    bodyLimitBytes: check(() => integer(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024)),
    verification: {
      codeLength,
      ttlSeconds: check(() => integer(env, 'CODE_TTL_SECONDS', 600, 60, 3600)),
      maxChecks: check(() => integer(env, 'MAX_CHECKS', 5, 1, 20)),
      maxSendsPerPhone: check(() => integer(env, 'MAX_SENDS_PER_PHONE', 5, 1, 100)),
      sendWindowSeconds: check(() => integer(env, 'SEND_WINDOW_SECONDS', 600, 60, 86400)),
      // A workflow's fallback sends more than one channel to a phone: each channel has its own share of the
      // total, and an email address (its own destination) its own figure.
      maxSendsPerChannel: {
        whatsapp: check(() => integer(env, 'MAX_SENDS_WHATSAPP', 3, 1, 100)),
        email: check(() => integer(env, 'MAX_SENDS_EMAIL', 5, 1, 100)),
      },
      maxFailedChecksPerPhone: check(() => integer(env, 'MAX_FAILED_CHECKS_PER_PHONE', 10, 1, 1000)),
      phoneLockoutSeconds: check(() => integer(env, 'PHONE_LOCKOUT_SECONDS', 3600, 60, 7 * 86400)),
      // 30 guesses an hour at a 6-digit code: odds under 1e-4 per phone per hour (docs/security.md).
      maxFailedChecksPerPhoneAllTenants: check(() =>
        integer(env, 'MAX_FAILED_CHECKS_PER_PHONE_ALL_TENANTS', 30, 1, 10_000),
      ),
      allTenantsWindowSeconds: 3600,
      testNumbers: check(() => parseTestNumbers(env.TEST_NUMBERS, codeLength)),
    },
    // OWASP ASVS 2.2.1 / NIST 800-63B 5.2.2: 10 failures, then 15 minutes doubling per repeat up to a day.
    passwords: {
      maxFailures: check(() => integer(env, 'MAX_PASSWORD_FAILURES', 10, 1, 100)),
      lockSeconds: check(() => integer(env, 'PASSWORD_LOCK_SECONDS', 900, 1, 86400)),
      maxLockSeconds: check(() => integer(env, 'PASSWORD_LOCK_MAX_SECONDS', 86400, 1, 30 * 86400)),
    },
    sendGuard: check(() => parseSendGuard(env)),
    rateLimits: {
      perIpPerMinute: check(() => integer(env, 'RATE_LIMIT_IP_PER_MINUTE', 600, 1, 1_000_000)),
      perClientPerMinute: check(() => integer(env, 'RATE_LIMIT_CLIENT_PER_MINUTE', 6000, 1, 10_000_000)),
      perPhonePerMinute: check(() => integer(env, 'RATE_LIMIT_PHONE_PER_MINUTE', 10, 1, 10_000)),
      webhookPerIpPerMinute: check(() => integer(env, 'RATE_LIMIT_WEBHOOK_PER_MINUTE', 6000, 1, 10_000_000)),
      // A person signs in a few times a day; 10 a minute is plenty, and 14,400 a day is nothing against 24+ characters.
      adminSignInPerIpPerMinute: check(() =>
        integer(env, 'RATE_LIMIT_ADMIN_SIGN_IN_PER_MINUTE', 10, 1, 10_000),
      ),
    },
    httpTimeouts: check(() => parseHttpTimeouts(env)),
    webhooks: {
      receiptIdMaxLength: check(() => integer(env, 'WEBHOOK_RECEIPT_ID_MAX_LENGTH', 256, 16, 512)),
      bodyLimitBytes: check(() => integer(env, 'WEBHOOK_BODY_LIMIT_BYTES', 16 * 1024, 1024, 1024 * 1024)),
    },
    clientWebhooks: {
      allowPrivateTargets: check(() => flag(env, 'WEBHOOK_ALLOW_PRIVATE_URLS', !production)),
      // Twilio waits 15 s for a status callback, Stripe 20 s: 10 s is plenty for "200, got it".
      timeoutMs: check(() => integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000)),
      // The issue's (and Twilio's Event Streams') day: a receiver down longer has lost its events anyway.
      giveUpAfterMs: check(() => integer(env, 'WEBHOOK_RETRY_HOURS', 24, 1, 24 * 7) * 3_600_000),
      pollMs: check(() => integer(env, 'WEBHOOK_POLL_MS', 1000, 10, 60_000)),
      concurrency: check(() => integer(env, 'WEBHOOK_CONCURRENCY', 10, 1, 1000)),
    },
    facesWithoutAuth: check(() => parseFacesWithoutAuth(env.FACES_WITHOUT_AUTH)),
    facesWithoutAuthTenant: check(() => parseTenant(env.FACES_WITHOUT_AUTH_TENANT)),
    smsProviders,
    smsLeaseSeconds: check(() => integer(env, 'SMS_LEASE_SECONDS', 30, 5, 3600)),
    smsPollMs: check(() => integer(env, 'SMS_POLL_MS', 1000, 10, 60_000)),
    smsRecordWaitMs: check(() => integer(env, 'SMS_RECORD_WAIT_MS', 2, 0, 1000)),
    smsRoutes: env.SMS_ROUTES ?? '',
    // Twice an SMPP window of 10: the window stays full while finished sends are recorded.
    smsConcurrency: check(() => integer(env, 'SMS_CONCURRENCY', 20, 2, 1000)),
    // Long enough for a provider's blip to pass, short enough to use the cheaper route again soon.
    smsBreakerOpenMs: check(() => integer(env, 'SMS_BREAKER_OPEN_SECONDS', 30, 1, 3600) * 1000),
    smsPrices: check(() => parseSmsPrices(env.SMS_PRICES)),
    smsCurrency: check(() => parseCurrency(env.SMS_CURRENCY)),
    bitelGatewayNumber: env.BITEL_GATEWAY_NUMBER || '10009909',
    metricsToken: check(() => parseMetricsToken(env.METRICS_TOKEN)),
    // Long enough for a load balancer's health check to see the node unready and move traffic away.
    shutdownDrainSeconds: check(() => integer(env, 'SHUTDOWN_DRAIN_SECONDS', production ? 5 : 0, 0, 300)),
    adminKey: check(() => parseAdminKey(env.ADMIN_KEY)),
    // A working day: an unattended browser does not stay signed in overnight.
    adminSessionSeconds: check(() => integer(env, 'ADMIN_SESSION_HOURS', 8, 1, 24 * 30) * 3600),
  };
  if (production) problems.push(...productionProblems(config));
  if (problems.length > 0) throw ConfigError.of(problems);
  return config;
}

/** What a first run may do and production may not: a known key, a short one. */
function productionProblems(config: Config): ConfigError[] {
  const problems: ConfigError[] = [];
  const key = config.bootstrapClient?.key;
  if (key === README_PLACEHOLDER_KEY) {
    problems.push(new ConfigError('BOOTSTRAP_CLIENT', "has the README's example key: make a random one"));
  } else if (key !== undefined && key.length < MIN_PRODUCTION_KEY_LENGTH) {
    problems.push(
      new ConfigError(
        'BOOTSTRAP_CLIENT',
        `has a key of ${key.length} characters: at least ${MIN_PRODUCTION_KEY_LENGTH} in production (e.g. openssl rand -base64 32)`,
      ),
    );
  }
  return problems;
}

/**
 * SMPP account URL -> one typed, validated config:
 * smpp[s]://system_id:password@host:port?source_addr=OTPGATE&tps=50&window=10&payload=message_payload&dlr_id=auto
 */

/** How the SMSC writes ids in receipts relative to submit_sm_resp (Jasmin's dlr_msgid). */
export type DlrIdFormat = 'auto' | 'hex' | 'dec';

/** Long texts: several submit_sm with a concatenation UDH, or one submit_sm with the message_payload TLV. */
export type LongTextMode = 'udh' | 'message_payload';

export interface SmppConfig {
  host: string;
  port: number;
  tls: boolean;
  /** Accept a self-signed or mismatched server certificate (test servers only). */
  tlsInsecure: boolean;
  systemId: string;
  password: string;
  systemType: string;
  /** Default sender; a message's own `from` wins. Empty: the SMSC fills in the account's sender. */
  sourceAddr: string;
  /** Undefined: inferred from the sender (alphanumeric 5/0, international 1/1, short code 3/0). */
  sourceTon: number | undefined;
  sourceNpi: number | undefined;
  destTon: number;
  destNpi: number;
  /** submit_sm PDUs per second; 0 means no cap of our own. */
  tps: number;
  /** Outstanding submit_sm without a response. */
  window: number;
  longText: LongTextMode;
  dlrId: DlrIdFormat;
  enquireLinkMs: number;
  submitTimeoutMs: number;
  /** How long a send waits for a (re)bind before failing 'unavailable'. */
  bindWaitMs: number;
  rebindMinMs: number;
  rebindMaxMs: number;
  /** Extra attempts for a part the SMSC throttled, before the send fails 'rate_limited'. */
  throttleRetries: number;
  throttleBackoffMs: number;
}

export const SMPP_DEFAULTS = {
  /** IANA port for smpp; 3550 is what the smpp package (and most SMSCs) use for SMPP over TLS. */
  port: 2775,
  tlsPort: 3550,
  /** Entry-level SMSC accounts are commonly sold at 10 submit_sm/s; a throttle reply costs more than waiting. */
  tps: 10,
  /** SMPP 3.4 §2.6 leaves the window to the SMSC; 10 is Jasmin's and Kannel's usual default. */
  window: 10,
  /** Below the 60 s idle timeout most SMSCs and NAT gateways apply to a silent bind. */
  enquireLinkMs: 30_000,
  /** An SMSC that has not answered in 10 s has lost the PDU or the link; the dispatcher retries. */
  submitTimeoutMs: 10_000,
  /** Long enough for one quick rebind, short enough for the dispatcher to fail over while the OTP is fresh. */
  bindWaitMs: 5_000,
  rebindMinMs: 1_000,
  /** Cap the backoff so an SMSC that comes back is used again within half a minute. */
  rebindMaxMs: 30_000,
  /** A part is retried in place because resending the whole message would duplicate accepted parts. */
  throttleRetries: 2,
  /** SMSC throughput windows are usually one second; half of one, doubled per attempt. */
  throttleBackoffMs: 500,
  /** SMPP 3.4 §5.2.1 and §5.2.2: system_id up to 15 octets, password up to 8. */
  maxSystemIdLength: 15,
  maxPasswordLength: 8,
  /** SMPP 3.4 §5.2.3: system_type up to 12 octets; §5.2.8: source_addr up to 20. */
  maxSystemTypeLength: 12,
  maxSourceAddrLength: 20,
} as const;

const KNOWN_PARAMS = new Set([
  'source_addr',
  'source_ton',
  'source_npi',
  'dest_ton',
  'dest_npi',
  'tps',
  'window',
  'system_type',
  'payload',
  'dlr_id',
  'tls_insecure',
  'enquire_link_ms',
  'submit_timeout_ms',
  'bind_wait_ms',
  'rebind_min_ms',
  'rebind_max_ms',
  'throttle_retries',
  'throttle_backoff_ms',
]);

function fail(problem: string): never {
  throw new Error(`Invalid SMPP URL: ${problem}`);
}

function integerParam(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) fail(`${name}=${raw} is not a whole number`);
  const value = Number(raw);
  if (value < min || value > max) fail(`${name}=${raw} is outside ${min}..${max}`);
  return value;
}

function choiceParam<T extends string>(
  params: URLSearchParams,
  name: string,
  choices: readonly T[],
): T | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const choice = choices.find((c) => c === raw);
  if (choice === undefined) fail(`${name}=${raw} is not one of ${choices.join(', ')}`);
  return choice;
}

function flagParam(params: URLSearchParams, name: string): boolean {
  const raw = params.get(name);
  if (raw === null || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  return fail(`${name}=${raw} is not 1 or 0`);
}

function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`the ${what} is not valid percent-encoding`);
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    // The URL carries a password: name the problem, never echo the input.
    return fail('not a URL of the form smpp://system_id:password@host:port');
  }
}

export function parseSmppUrl(url: string): SmppConfig {
  const parsed = parseUrl(url);
  if (parsed.protocol !== 'smpp:' && parsed.protocol !== 'smpps:') {
    fail(`scheme ${parsed.protocol} is not smpp: or smpps:`);
  }
  const tls = parsed.protocol === 'smpps:';
  // IPv6 literals come bracketed from URL; net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') fail('the host is missing');
  const port = parsed.port === '' ? (tls ? SMPP_DEFAULTS.tlsPort : SMPP_DEFAULTS.port) : Number(parsed.port);
  if (port < 1) fail(`port ${parsed.port} is not usable`);
  if (parsed.pathname !== '' && parsed.pathname !== '/') fail(`unexpected path ${parsed.pathname}`);

  const systemId = decoded(parsed.username, 'system_id');
  const password = decoded(parsed.password, 'password');
  if (systemId === '') fail('the system_id (user part) is missing');
  if (systemId.length > SMPP_DEFAULTS.maxSystemIdLength) {
    fail(`the system_id is longer than ${SMPP_DEFAULTS.maxSystemIdLength} characters`);
  }
  if (password.length > SMPP_DEFAULTS.maxPasswordLength) {
    fail(`the password is longer than ${SMPP_DEFAULTS.maxPasswordLength} characters`);
  }

  const params = parsed.searchParams;
  for (const name of params.keys()) {
    if (!KNOWN_PARAMS.has(name)) fail(`unknown parameter ${name}`);
  }
  const systemType = params.get('system_type') ?? '';
  if (systemType.length > SMPP_DEFAULTS.maxSystemTypeLength) {
    fail(`system_type is longer than ${SMPP_DEFAULTS.maxSystemTypeLength} characters`);
  }
  const sourceAddr = params.get('source_addr') ?? '';
  if (sourceAddr.length > SMPP_DEFAULTS.maxSourceAddrLength) {
    fail(`source_addr is longer than ${SMPP_DEFAULTS.maxSourceAddrLength} characters`);
  }
  const tlsInsecure = flagParam(params, 'tls_insecure');
  if (tlsInsecure && !tls) fail('tls_insecure needs the smpps: scheme');

  const rebindMinMs = integerParam(params, 'rebind_min_ms', 1, 3_600_000) ?? SMPP_DEFAULTS.rebindMinMs;
  const rebindMaxMs =
    integerParam(params, 'rebind_max_ms', 1, 3_600_000) ?? Math.max(rebindMinMs, SMPP_DEFAULTS.rebindMaxMs);
  if (rebindMaxMs < rebindMinMs) fail('rebind_max_ms is below rebind_min_ms');

  return {
    host,
    port,
    tls,
    tlsInsecure,
    systemId,
    password,
    systemType,
    sourceAddr,
    sourceTon: integerParam(params, 'source_ton', 0, 255),
    sourceNpi: integerParam(params, 'source_npi', 0, 255),
    destTon: integerParam(params, 'dest_ton', 0, 255) ?? 1,
    destNpi: integerParam(params, 'dest_npi', 0, 255) ?? 1,
    tps: integerParam(params, 'tps', 0, 100_000) ?? SMPP_DEFAULTS.tps,
    window: integerParam(params, 'window', 1, 10_000) ?? SMPP_DEFAULTS.window,
    longText: choiceParam(params, 'payload', ['udh', 'message_payload'] as const) ?? 'udh',
    dlrId: choiceParam(params, 'dlr_id', ['auto', 'hex', 'dec'] as const) ?? 'auto',
    enquireLinkMs: integerParam(params, 'enquire_link_ms', 100, 3_600_000) ?? SMPP_DEFAULTS.enquireLinkMs,
    submitTimeoutMs: integerParam(params, 'submit_timeout_ms', 1, 600_000) ?? SMPP_DEFAULTS.submitTimeoutMs,
    bindWaitMs: integerParam(params, 'bind_wait_ms', 0, 600_000) ?? SMPP_DEFAULTS.bindWaitMs,
    rebindMinMs,
    rebindMaxMs,
    throttleRetries: integerParam(params, 'throttle_retries', 0, 20) ?? SMPP_DEFAULTS.throttleRetries,
    throttleBackoffMs:
      integerParam(params, 'throttle_backoff_ms', 0, 60_000) ?? SMPP_DEFAULTS.throttleBackoffMs,
  };
}

/** The URL's account and host without the password, for logs. */
export function describeSmppAccount(config: SmppConfig): string {
  return `${config.tls ? 'smpps' : 'smpp'}://${config.systemId}@${config.host}:${config.port}`;
}

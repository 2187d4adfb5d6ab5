/**
 * `smtp://user:password@host:587?from=codes@example.com` (STARTTLS when the server offers it; `tls=required`
 * insists) or `smtps://...@host:465?...` (TLS from the first byte), with optional `from_name=`, `timeout_ms=`
 * and, for a local relay without authentication, no user at all. Email carries codes to addresses.
 */
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../http-transport.js';
import { splitProviderUrl } from '../provider-url.js';

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://, port 465). */
  secure: boolean;
  /** STARTTLS must succeed (no plain-text fallback). */
  requireTls: boolean;
  user: string | undefined;
  password: string | undefined;
  from: string;
  fromName: string | undefined;
  timeoutMs: number;
}

const KNOWN_PARAMETERS = ['from', 'from_name', 'tls', 'timeout_ms'] as const;
const ADDRESS = /^[^\s@<>()[\],;:"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/;

export function parseSmtpUrl(url: string): SmtpConfig {
  const parts = splitProviderUrl(url, 'smtp');
  if (parts.scheme !== 'smtp' && parts.scheme !== 'smtps') {
    throw new Error(`smtp URL: scheme must be smtp:// or smtps://, not ${parts.scheme}://`);
  }
  const hostPort = HOST_PORT.exec(parts.host);
  if (hostPort === null || (parts.path !== '' && parts.path !== '/')) {
    throw new Error('smtp URL: expected smtp://user:password@host:port?from=...');
  }
  const secure = parts.scheme === 'smtps';
  const port = Number(hostPort[2] ?? (secure ? 465 : 587));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error('smtp URL: the port must be 1 to 65535');
  const { params } = parts;
  params.onlyKnown(KNOWN_PARAMETERS);
  const from = params.required('from');
  if (!ADDRESS.test(from)) throw new Error("smtp URL: 'from' must be an email address");
  const tls = params.optional('tls');
  if (tls !== undefined && tls !== 'required') throw new Error("smtp URL: 'tls' can only be 'required'");
  return {
    host: (hostPort[1] ?? '').replace(/^\[|\]$/g, ''),
    port,
    secure,
    requireTls: tls === 'required',
    user: parts.username === '' ? undefined : parts.username,
    password: parts.password === '' ? undefined : parts.password,
    from,
    fromName: params.optional('from_name'),
    timeoutMs: params.positiveInteger('timeout_ms', DEFAULT_PROVIDER_TIMEOUT_MS),
  };
}

/**
 * Email by SMTP (nodemailer): one plain-text mail per code, to the address the verification names. SMTP says
 * no more than "accepted for delivery", so an email ends `sent`.
 */
import nodemailer from 'nodemailer';
import { SmsError, type SmsErrorCode, type SmsProvider } from '../../provider.js';
import type { SmtpConfig } from './config.js';

export { parseSmtpUrl, type SmtpConfig } from './config.js';

export interface SmtpDeps {
  /** Instance name (SmsProvider.name); defaults to "smtp". */
  name?: string;
}

/** nodemailer's connection-level codes: the server is away, not the message at fault. */
const TRANSIENT = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);

/** RFC 5321 replies: 4xx try again later, 5xx the command (often the recipient) is refused for good. */
export function smtpErrorCode(error: { code?: string; responseCode?: number }): SmsErrorCode {
  if (error.code === 'EAUTH' || error.responseCode === 530 || error.responseCode === 535)
    return 'invalid_config';
  if (error.code !== undefined && TRANSIENT.has(error.code)) return 'unavailable';
  const reply = error.responseCode;
  if (reply === 421 || reply === 450 || reply === 451) return 'unavailable';
  if (reply === 452) return 'rate_limited';
  if (reply !== undefined && reply >= 500) return 'rejected';
  return 'unavailable';
}

export function createSmtpProvider(config: SmtpConfig, deps: SmtpDeps = {}): SmsProvider {
  const name = deps.name ?? 'smtp';
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    ...(config.user === undefined ? {} : { auth: { user: config.user, pass: config.password ?? '' } }),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  });
  return {
    name,
    kind: 'smtp',
    channel: 'email',

    async send(message) {
      try {
        const info = await transport.sendMail({
          from: config.fromName === undefined ? config.from : { name: config.fromName, address: config.from },
          to: message.to,
          subject: message.subject ?? '',
          text: message.text,
          // The outbox id, so a bounce or a support question can be traced back to the message.
          headers: { 'X-Otpgate-Message-Id': message.id },
        });
        return { providerRef: info.messageId, parts: 1 };
      } catch (caught) {
        const error = caught as Error & { code?: string; responseCode?: number };
        const code = smtpErrorCode(error);
        throw new SmsError(code, `${name}: ${error.message}`, {
          providerCode: error.responseCode === undefined ? error.code : String(error.responseCode),
          cause: caught,
        });
      }
    },

    async close() {
      transport.close();
    },
  };
}

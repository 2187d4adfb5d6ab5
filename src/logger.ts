/** pino JSON logs with secrets redacted: codes, passwords and keys never reach a log line. */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Query parameters whose values are secrets in some face (CUSTOMERS sends the OTP in the query). */
const SECRET_QUERY = /^(otp|code|password|key|signature|token|secret|api_secret|auth)/i;

export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  for (const name of [...params.keys()]) if (SECRET_QUERY.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, at)}?${params.toString()}`;
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.password',
  '*.Password',
  '*.code',
  '*.key',
  '*.OTP',
  '*.otp',
  '*.text',
  '*.body',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          ip: req.ip,
        }),
      },
    },
    destination,
  );
}

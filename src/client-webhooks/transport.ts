/**
 * The one way a webhook post leaves otpgate: a deadline on every post, no redirects followed, and (unless
 * private targets are allowed) every address the host resolves to checked at connect time, so a name that
 * resolves, or is re-bound, to an internal address is refused (SSRF, DNS rebinding).
 */
import { lookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { hostOf, isPublicAddress } from '../domain/webhook-targets.js';

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookTransport {
  /** The receiver's HTTP status; throws on a transport failure (refused, timed out, refused target). */
  post(post: WebhookPost): Promise<number>;
  close(): Promise<void>;
}

/** A target refused by the SSRF guard: said in the delivery's last_error. */
export class RefusedTarget extends Error {
  constructor(host: string) {
    super(
      `${host} resolves to a loopback, private or link-local address (WEBHOOK_ALLOW_PRIVATE_URLS is off)`,
    );
    this.name = 'RefusedTarget';
  }
}

/** dns.lookup that answers only public addresses: one non-public answer refuses the host. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    if (addresses.length === 0 || addresses.some((answer) => !isPublicAddress(answer.address))) {
      return callback(Object.assign(new RefusedTarget(hostname), { code: 'EREFUSEDTARGET' }), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const [first] = addresses as [LookupAddress];
    callback(null, first.address, first.family);
  });
};

export function createWebhookTransport(options: {
  timeoutMs: number;
  allowPrivateTargets: boolean;
}): WebhookTransport {
  const { timeoutMs, allowPrivateTargets } = options;
  const agent = new Agent({
    connect: { timeout: timeoutMs, ...(allowPrivateTargets ? {} : { lookup: publicOnlyLookup }) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return {
    async post({ url, headers, body }) {
      const host = hostOf(new URL(url));
      // An address in the URL is connected to without a lookup: checked here instead.
      if (!allowPrivateTargets && isIP(host) !== 0 && !isPublicAddress(host)) throw new RefusedTarget(host);
      const reply = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The answer's body says nothing we use: read and drop it, so the connection is reused.
      await reply.body.dump();
      return reply.statusCode;
    },
    close: () => agent.close(),
  };
}

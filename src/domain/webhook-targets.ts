/**
 * Where a client's webhook may point. otpgate posts from inside the operator's network, so a URL naming a
 * loopback, private, link-local or otherwise non-public address would let a client make it call internal
 * services (SSRF; OWASP's SSRF prevention cheat sheet). Refused unless the operator allows private targets
 * (WEBHOOK_ALLOW_PRIVATE_URLS; the default outside production, where receivers run on localhost). The names a
 * URL's host resolves to are checked again at every delivery (client-webhooks/transport.ts): DNS may change.
 */
import { BlockList, isIP } from 'node:net';

/** Every range that is not a public unicast address (IANA special-purpose registries, RFC 6890). */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, and the cloud metadata services (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127], // unspecified and loopback
  ['64:ff9b::', 96], // NAT64: an IPv4 address inside (possibly a private one)
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID...)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: an IPv4 address inside
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** True for a public unicast address; IPv4-mapped IPv6 addresses are judged by their IPv4 address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The longest URL a client may register (browsers' practical limit; ours are stored and logged). */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * Why this URL may not be a webhook, or undefined when it may. Names are not resolved here (the domain does
 * no I/O): a name that resolves to a private address is refused at delivery.
 */
export function webhookUrlProblem(raw: string, options: { allowPrivate: boolean }): string | undefined {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  // A secret in the URL would be stored, logged and shown back: the signature is the authentication.
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  if (url.hash !== '') return 'must not have a #fragment';
  if (options.allowPrivate) return undefined;
  if (url.protocol !== 'https:') return 'must be an https URL';
  const host = hostOf(url).toLowerCase();
  if (isIP(host) !== 0 && !isPublicAddress(host)) {
    return 'must not point at a loopback, private or link-local address';
  }
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
    return 'must name a public host';
  }
  return undefined;
}

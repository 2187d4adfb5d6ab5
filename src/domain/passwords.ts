/** Customer passwords: argon2id with OWASP's recommended cost (19 MiB, 2 passes, 1 lane). */
import { hash, verify } from '@node-rs/argon2';

/** Algorithm.Argon2id: the package's const enum cannot be imported under verbatimModuleSyntax. */
const ARGON2ID = 2;

const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function passwordMatches(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/**
 * The most an imported hash may ask of each login: argon2 allocates m KiB and makes t passes for every
 * password checked, so a hash with a huge cost would make its customer's logins a denial of service.
 * 256 MiB and 10 passes cover the libraries' presets (libsodium's "moderate" is 256 MiB, PHP's and
 * argon2-cffi's defaults 64 MiB).
 */
export const IMPORTED_HASH_LIMITS = { memoryKiB: 262_144, passes: 10, lanes: 16 } as const;

// PHC string format (github.com/P-H-C/phc-string-format): parameters in this order, salt and hash in
// base64 without padding. Argon2 version 0x13 (19) only: 0x10 is the flawed 1.0 that nobody should use.
const ARGON2ID_PHC =
  /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,4}),p=(\d{1,4})\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{16,128})$/;

/**
 * Why a hash from another system cannot be stored as a password hash, or undefined when it can: an argon2id
 * hash in PHC form (what @node-rs/argon2, libsodium, argon2-cffi and PHP write), whose parameters login reads
 * back from the string, within IMPORTED_HASH_LIMITS.
 */
export function importedHashProblem(phc: string): string | undefined {
  const match = ARGON2ID_PHC.exec(phc);
  if (match === null) {
    return 'must be an argon2id hash in PHC form ($argon2id$v=19$m=…,t=…,p=…$salt$hash)';
  }
  const [memory, passes, lanes] = match.slice(1, 4).map(Number) as [number, number, number];
  const limits = IMPORTED_HASH_LIMITS;
  if (lanes < 1 || lanes > limits.lanes) return `must have 1 to ${limits.lanes} lanes (p)`;
  if (passes < 1 || passes > limits.passes) return `must have 1 to ${limits.passes} passes (t)`;
  // Argon2 needs at least 8 KiB per lane (RFC 9106 3.1).
  if (memory < 8 * lanes || memory > limits.memoryKiB) {
    return `must use ${8 * lanes} to ${limits.memoryKiB} KiB of memory (m)`;
  }
  return undefined;
}

/**
 * One-time codes (OWASP ASVS 2.7, NIST 800-63B 5.1.3): drawn from a CSPRNG, stored only as an
 * HMAC keyed with the server secret. A check compares the HMAC of the code given with the stored one in the
 * database (otp_check), both digested again under a fresh salt so that the comparison's timing tells nothing.
 */
import { createHmac, hkdfSync, randomInt } from 'node:crypto';

export interface CodeHasher {
  hash(verificationId: string, code: string): string;
}

/** Derives a purpose-bound key from the server secret, so one secret can key several uses. */
export function deriveKey(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `otpgate:${purpose}`, 32));
}

export function generateCode(length: number): string {
  let code = '';
  // randomInt is uniform (rejection sampling), so no digit is more likely than another.
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

export function createCodeHasher(secret: Buffer): CodeHasher {
  const key = deriveKey(secret, 'code-hmac');
  // Binding the hash to the verification id stops a hash from one verification matching another.
  const hash = (verificationId: string, code: string): string =>
    createHmac('sha256', key).update(verificationId).update('\0').update(code).digest('base64url');
  return { hash };
}

/**
 * Seals short secrets at rest with AES-256-GCM under a key derived from the server secret:
 * an outbox text that carries a code until it is sent, a legacy client's signing key.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deriveKey } from './codes.js';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /**
   * A value that names the secret without revealing it (an HMAC of a fixed label under a key of its own):
   * two boxes seal alike exactly when their check values are equal.
   */
  checkValue(): string;
}

const CHECK_LABEL = 'otpgate secret check v1';

export function createSecretBox(secret: Buffer): SecretBox {
  const key = deriveKey(secret, 'secret-box');
  const check = createHmac('sha256', deriveKey(secret, 'secret-check'))
    .update(CHECK_LABEL, 'utf8')
    .digest('base64url');
  return {
    checkValue: () => check,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
        throw new Error('sealed value has an unknown format');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

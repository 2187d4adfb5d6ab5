import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { importedHashProblem, passwordMatches } from '../../src/domain/passwords.js';

/** Algorithm.Argon2id and Argon2i (const enums the tests cannot import either). */
const ARGON2ID = 2;
const ARGON2I = 1;
const SALT_AND_HASH = 'c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA';

describe("another system's password hashes", () => {
  it('accepts an argon2id hash made with other parameters, and login checks the password against it', async () => {
    const foreign = await hash('their old password', {
      algorithm: ARGON2ID,
      memoryCost: 65_536,
      timeCost: 3,
      parallelism: 4,
    });
    expect(foreign).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
    expect(importedHashProblem(foreign)).toBeUndefined();
    expect(await passwordMatches(foreign, 'their old password')).toBe(true);
    expect(await passwordMatches(foreign, 'their old passwort')).toBe(false);
  });

  it('refuses other algorithms and forms: argon2i, the old version 1.0, bcrypt, a hash cut short', async () => {
    const argon2i = await hash('x-password', { algorithm: ARGON2I, memoryCost: 8_192, timeCost: 2 });
    for (const refused of [
      argon2i,
      `$argon2id$v=16$m=65536,t=3,p=4$${SALT_AND_HASH}`,
      '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
      `$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0`,
      'plain text',
    ]) {
      expect(importedHashProblem(refused), refused).toMatch(/^must be an argon2id hash in PHC form/);
    }
  });

  it('refuses a hash whose cost would make each login a denial of service', () => {
    expect(importedHashProblem(`$argon2id$v=19$m=262144,t=10,p=16$${SALT_AND_HASH}`)).toBeUndefined();
    expect(importedHashProblem(`$argon2id$v=19$m=4194304,t=3,p=4$${SALT_AND_HASH}`)).toBe(
      'must use 32 to 262144 KiB of memory (m)',
    );
    expect(importedHashProblem(`$argon2id$v=19$m=65536,t=100,p=4$${SALT_AND_HASH}`)).toBe(
      'must have 1 to 10 passes (t)',
    );
    expect(importedHashProblem(`$argon2id$v=19$m=65536,t=3,p=64$${SALT_AND_HASH}`)).toBe(
      'must have 1 to 16 lanes (p)',
    );
  });
});

// Password hashing with argon2id (OWASP's first choice), in the PHC string format
// `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`, so parameters can be raised later without a
// migration: a stored hash carries its own.
import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id`; the enum is a `const enum`, which type stripping cannot inline. */
const ARGON2ID = 2 as Algorithm;

/** OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/**
 * @example
 * await hashPassword('correct horse battery'); // '$argon2id$v=19$m=19456,t=2,p=1$…'
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

// A hash of nothing, verified when the e-mail is unknown, so that the answer takes as long as
// for a known account and does not tell which e-mails have one.
let decoy: Promise<string> | undefined;

/** True when the password matches the stored hash; `null` (unknown account) costs the same time and is false. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  try {
    if (stored === null) {
      decoy ??= hashPassword('maillage decoy password');
      await verify(await decoy, password);
      return false;
    }
    return await verify(stored, password);
  } catch {
    // A malformed stored hash is a refusal, not a crash.
    return false;
  }
}

/** Password hashing for broker credentials: scrypt from node:crypto, encoded `scrypt$N$r$p$salt$hash`. */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { parseScryptHash } from '../core/index.js';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

export interface HashOptions {
  /** CPU/memory cost (power of two). */
  N?: number;
  r?: number;
  p?: number;
}

const KEY_LENGTH = 32;

/** @example await hashPassword('s3cret') // 'scrypt$16384$8$1$...$...' */
export async function hashPassword(password: string, { N = 16384, r = 8, p = 1 }: HashOptions = {}): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Constant-time check of a password against a stored hash. Hashes are checked when the lots file
 * loads (PasswordHash), so a malformed one here is a programming error, not a wrong password.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const hash = parseScryptHash(encoded);
  if (typeof hash === 'string') throw new Error(`not a usable password hash: ${hash}`);
  const key = await scrypt(password, hash.salt, hash.key.length, { N: hash.N, r: hash.r, p: hash.p, maxmem: 256 * hash.N * hash.r });
  return timingSafeEqual(key, hash.key);
}

/** A hash to verify against for unknown usernames, so their refusal takes as long as a wrong password. */
export const DECOY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

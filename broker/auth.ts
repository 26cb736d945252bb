/**
 * Password hashing for broker credentials, in the three formats the lots file accepts
 * (core/password-hash.ts): scrypt `scrypt$N$r$p$salt$hash` (manku's default), mosquitto's
 * PBKDF2-SHA512 `$7$iterations$salt$hash` and bcrypt `$2b$cost$…`. Verification is constant-time
 * in each: the derived key is compared with timingSafeEqual.
 */
import { pbkdf2 as pbkdf2Cb, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { parsePasswordHash, type HashFormat } from '../core/index.js';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
const pbkdf2 = (password: string, salt: Buffer, iterations: number) =>
  new Promise<Buffer>((resolve, reject) => pbkdf2Cb(password, salt, iterations, 64, 'sha512', (err, key) => (err ? reject(err) : resolve(key))));

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
 * mosquitto 2.0's `$7$`, exactly as `mosquitto_passwd` writes it: PBKDF2-HMAC-SHA512, a 12-byte
 * salt, a 64-byte key, 101 iterations (its default; the broker hashes at every login).
 * @example await hashMosquittoPassword('s3cret') // '$7$101$<16 chars>$<88 chars>'
 */
export async function hashMosquittoPassword(password: string, { iterations = 101 }: { iterations?: number } = {}): Promise<string> {
  const salt = randomBytes(12);
  const key = await pbkdf2(password, salt, iterations);
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * bcrypt `$2b$` (NATS reads it). bcrypt reads only the first 72 bytes of a password.
 * @example await hashBcryptPassword('s3cret') // '$2b$11$...'
 */
export async function hashBcryptPassword(password: string, { cost = 11 }: { cost?: number } = {}): Promise<string> {
  return bcrypt.hash(password, await bcrypt.genSalt(cost));
}

/** `manku hash-password --format …`: each format with its default parameters. */
export function hashPasswordAs(format: HashFormat, password: string): Promise<string> {
  if (format === 'mosquitto') return hashMosquittoPassword(password);
  if (format === 'bcrypt') return hashBcryptPassword(password);
  return hashPassword(password);
}

const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * Constant-time check of a password against a stored hash of any accepted format. Hashes are
 * checked when the lots file loads (PasswordHash), so a malformed one here is a programming error,
 * not a wrong password.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const hash = parsePasswordHash(encoded);
  if (typeof hash === 'string') throw new Error(`not a usable password hash: ${hash}`);
  switch (hash.format) {
    case 'scrypt': {
      const { N, r, p, salt, key } = hash;
      return same(await scrypt(password, salt, key.length, { N, r, p, maxmem: 256 * N * r }), key);
    }
    case 'mosquitto':
      return same(await pbkdf2(password, hash.salt, hash.iterations), hash.key);
    case 'bcrypt': {
      // Hash again with the stored salt and compare the whole strings in constant time ($2a/$2y as $2b).
      const again = await bcrypt.hash(password, `$2b$${hash.salt.slice(4)}`);
      return same(Buffer.from(again.slice(4)), Buffer.from(hash.encoded.slice(4)));
    }
  }
}

/** A hash to verify against for unknown usernames, so their refusal takes as long as a wrong password. */
export const DECOY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

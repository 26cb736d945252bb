/**
 * The password hash formats the lots file accepts, parsed and checked without running them: a
 * hash that fails here would otherwise look like a wrong password at every login. Three formats,
 * so one lots file serves the embedded broker and the brokers cities run (docs/deployment.md):
 *
 *   scrypt     `scrypt$N$r$p$salt$hash` (base64), manku's own (the default of `hash-password`)
 *   mosquitto  `$7$iterations$salt$hash` (base64), PBKDF2-SHA512 as mosquitto 2.0's `mosquitto_passwd`
 *   bcrypt     `$2b$cost$<53 chars>` (also `$2a$`, `$2y$`), as NATS and most web stacks read
 */

export const HASH_FORMATS = ['scrypt', 'mosquitto', 'bcrypt'] as const;
export type HashFormat = (typeof HASH_FORMATS)[number];

/** `scrypt$N$r$p$salt$hash` (base64), as printed by `manku hash-password`. */
export interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}
/** mosquitto's `$7$`: PBKDF2 with HMAC-SHA512, a 64-byte key. */
export interface Pbkdf2Hash {
  iterations: number;
  salt: Buffer;
  key: Buffer;
}
/** bcrypt: the salt part (`$2b$10$` + 22 characters) is what hashing takes back. */
export interface BcryptHash {
  cost: number;
  salt: string;
}

export type ParsedHash =
  | ({ format: 'scrypt' } & ScryptHash)
  | ({ format: 'mosquitto' } & Pbkdf2Hash)
  | ({ format: 'bcrypt' } & BcryptHash & { encoded: string });

const B64 = '[A-Za-z0-9+/=]+';
const SCRYPT = new RegExp(`^scrypt\\$(\\d+)\\$(\\d+)\\$(\\d+)\\$(${B64})\\$(${B64})$`);
const PBKDF2 = new RegExp(`^\\$7\\$(\\d+)\\$(${B64})\\$(${B64})$`);
const BCRYPT = /^(\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{22})[./A-Za-z0-9]{31}$/;

const HOW = 'make one with `npm run -s manku -- hash-password --format scrypt|mosquitto|bcrypt`';

/**
 * Checks scrypt's parameters are ones it can run and that are worth running (N a power of two
 * from 2^10 to 2^20, r 1–32, p 1–16, a 16–64-byte key).
 */
export function parseScryptHash(encoded: string): ScryptHash | string {
  const m = SCRYPT.exec(encoded);
  if (!m) return 'must be a scrypt hash from `npm run -s manku -- hash-password`';
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 1024 || N > 1 << 20 || (N & (N - 1)) !== 0) return `scrypt N must be a power of two from 1024 to 1048576, not ${N}`;
  if (r < 1 || r > 32) return `scrypt r must be from 1 to 32, not ${r}`;
  if (p < 1 || p > 16) return `scrypt p must be from 1 to 16, not ${p}`;
  const key = Buffer.from(m[5]!, 'base64');
  if (key.length < 16 || key.length > 64) return `the hash must be 16 to 64 bytes, not ${key.length}`;
  return { N, r, p, salt: Buffer.from(m[4]!, 'base64'), key };
}

/**
 * mosquitto's `$7$`: it compares the whole 64-byte SHA-512 output; 101 iterations is its
 * default, more than 1,000,000 would let one login stall the embedded broker.
 */
export function parsePbkdf2Hash(encoded: string): Pbkdf2Hash | string {
  const m = PBKDF2.exec(encoded);
  if (!m) return 'must be a mosquitto hash `$7$iterations$salt$hash`';
  const iterations = Number(m[1]);
  if (iterations < 100 || iterations > 1_000_000) return `PBKDF2 iterations must be from 100 to 1000000, not ${iterations}`;
  const salt = Buffer.from(m[2]!, 'base64');
  if (salt.length < 8) return `the PBKDF2 salt must be at least 8 bytes, not ${salt.length}`;
  const key = Buffer.from(m[3]!, 'base64');
  if (key.length !== 64) return `the PBKDF2-SHA512 hash must be 64 bytes, not ${key.length}`;
  return { iterations, salt, key };
}

/** bcrypt cost 4–31 runs; below 10 is too cheap to guess against, above 14 stalls every login (pure JS here). */
export function parseBcryptHash(encoded: string): BcryptHash | string {
  const m = BCRYPT.exec(encoded);
  if (!m) return 'must be a bcrypt hash `$2b$cost$` followed by 53 characters of bcrypt base64';
  const cost = Number(m[2]);
  if (cost < 10 || cost > 14) return `bcrypt cost must be from 10 to 14, not ${cost}`;
  return { cost, salt: m[1]! };
}

/** The format of a hash by its prefix; null when it is none of ours. */
export function hashFormatOf(encoded: string): HashFormat | null {
  if (encoded.startsWith('scrypt$')) return 'scrypt';
  if (encoded.startsWith('$7$')) return 'mosquitto';
  if (/^\$2[aby]\$/.test(encoded)) return 'bcrypt';
  return null;
}

/**
 * @example parsePasswordHash('$7$101$zQcmWCrJlqr32EF8$adPc…1Q==') // { format: 'mosquitto', iterations: 101, salt, key }
 */
export function parsePasswordHash(encoded: string): ParsedHash | string {
  switch (hashFormatOf(encoded)) {
    case 'scrypt': {
      const h = parseScryptHash(encoded);
      return typeof h === 'string' ? h : { format: 'scrypt', ...h };
    }
    case 'mosquitto': {
      const h = parsePbkdf2Hash(encoded);
      return typeof h === 'string' ? h : { format: 'mosquitto', ...h };
    }
    case 'bcrypt': {
      const h = parseBcryptHash(encoded);
      return typeof h === 'string' ? h : { format: 'bcrypt', encoded, ...h };
    }
    default:
      return `must be a password hash (scrypt, mosquitto $7$ or bcrypt $2b$); ${HOW}`;
  }
}

/** The problem with a hash, worded for the lots file, or null. */
export function passwordHashProblem(encoded: string): string | null {
  const parsed = parsePasswordHash(encoded);
  if (typeof parsed !== 'string') return null;
  return parsed.includes('hash-password') ? parsed : `${parsed} (${HOW})`;
}

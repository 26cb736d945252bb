import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../broker/index.js';
import { PasswordHash } from '../../core/index.js';

describe('password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('s3cret', { N: 1024 });
    expect(PasswordHash.safeParse(hash).success).toBe(true);
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword('s3cret ', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('x', { N: 1024 })).not.toBe(await hashPassword('x', { N: 1024 }));
  });

  it('refuses a malformed hash instead of throwing', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$abc$8$1$AA==$AA==')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$3$8$1$AA==$AA==')).toBe(false); // N not a power of two
  });

  it('uses scrypt N=16384 by default', async () => {
    expect(await hashPassword('x')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });
});

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

  it('the lots file refuses a hash scrypt cannot use, naming what is wrong (not a wrong password at every login)', async () => {
    const problem = (hash: string) => {
      const r = PasswordHash.safeParse(hash);
      return r.success ? null : r.error.issues[0]!.message;
    };
    const key = 'A'.repeat(43) + '=';
    expect(problem('plain-text')).toMatch(/hash-password/);
    expect(problem(`scrypt$abc$8$1$AA==$${key}`)).toMatch(/scrypt hash/);
    expect(problem(`scrypt$3000$8$1$AA==$${key}`)).toMatch(/N must be a power of two/);
    expect(problem(`scrypt$1024$0$1$AA==$${key}`)).toMatch(/r must be/);
    expect(problem(`scrypt$1024$8$99$AA==$${key}`)).toMatch(/p must be/);
    expect(problem('scrypt$1024$8$1$AA==$AA==')).toMatch(/16 to 64 bytes/);
    await expect(verifyPassword('x', 'scrypt$3$8$1$AA==$AA==')).rejects.toThrow(/not a usable password hash/);
  });

  it('uses scrypt N=16384 by default', async () => {
    expect(await hashPassword('x')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });
});

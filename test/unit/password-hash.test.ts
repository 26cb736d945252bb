import { describe, expect, it } from 'vitest';
import { hashBcryptPassword, hashMosquittoPassword, hashPassword, hashPasswordAs, verifyPassword } from '../../broker/index.js';
import { hashFormatOf, parsePasswordHash, PasswordHash } from '../../core/index.js';

const problem = (hash: string) => {
  const r = PasswordHash.safeParse(hash);
  return r.success ? null : r.error.issues[0]!.message;
};

// Written by mosquitto_passwd 2.0.11 for the password "s3cret" (test/integration/broker-config.test.ts checks live).
const FROM_MOSQUITTO_PASSWD = '$7$101$zQcmWCrJlqr32EF8$adPcpwM+3uvMGud85QD3HpzmO2L2f7q7wuv9lfJ1rSVR7kJ3wbRqP5swJPpTjmaNeuxwhj9d5Km2m9N5l3L91Q==';

describe('password hashes in three formats', () => {
  it('verifies a hash mosquitto_passwd wrote, and refuses a wrong password', async () => {
    expect(problem(FROM_MOSQUITTO_PASSWD)).toBeNull();
    expect(await verifyPassword('s3cret', FROM_MOSQUITTO_PASSWD)).toBe(true);
    expect(await verifyPassword('s3cret!', FROM_MOSQUITTO_PASSWD)).toBe(false);
  });

  it.each([
    ['scrypt', () => hashPassword('pw', { N: 1024 })],
    ['mosquitto', () => hashMosquittoPassword('pw')],
    ['bcrypt', () => hashBcryptPassword('pw', { cost: 10 })],
  ] as const)('%s: what we hash, the lots file accepts and the broker verifies', async (format, make) => {
    const hash = await make();
    expect(hashFormatOf(hash)).toBe(format);
    expect(problem(hash)).toBeNull();
    expect(await verifyPassword('pw', hash)).toBe(true);
    expect(await verifyPassword('pW', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('hash-password --format: mosquitto as mosquitto_passwd writes it, bcrypt $2b$ at cost 11, scrypt by default', async () => {
    expect(await hashPasswordAs('mosquitto', 'x')).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(await hashPasswordAs('bcrypt', 'x')).toMatch(/^\$2b\$11\$[./A-Za-z0-9]{53}$/);
    expect(await hashPasswordAs('scrypt', 'x')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('accepts bcrypt $2a$ and $2y$ hashes as other tools write them', async () => {
    const b = await hashBcryptPassword('pw', { cost: 10 });
    for (const prefix of ['$2a$', '$2y$']) {
      const other = prefix + b.slice(4);
      expect(problem(other)).toBeNull();
      expect(await verifyPassword('pw', other)).toBe(true);
    }
  });

  it('refuses, when the file loads, hash parameters a broker could not or should not run, naming what is wrong', () => {
    const salt = 'zQcmWCrJlqr32EF8';
    const key64 = FROM_MOSQUITTO_PASSWD.split('$')[4]!;
    expect(problem(`$7$99$${salt}$${key64}`)).toMatch(/iterations must be from 100 to 1000000, not 99/);
    expect(problem(`$7$2000000$${salt}$${key64}`)).toMatch(/iterations/);
    expect(problem(`$7$101$AAAA$${key64}`)).toMatch(/salt must be at least 8 bytes/);
    expect(problem(`$7$101$${salt}$AAAA`)).toMatch(/must be 64 bytes, not 3/);
    expect(problem('$7$101$nonsense')).toMatch(/mosquitto hash/);
    expect(problem(`$2b$04$${'a'.repeat(53)}`)).toMatch(/bcrypt cost must be from 10 to 14, not 4/);
    expect(problem('$2b$10$short')).toMatch(/bcrypt hash/);
    expect(problem('$6$abc$def')).toMatch(/scrypt, mosquitto \$7\$ or bcrypt \$2b\$.*--format/);
    expect(typeof parsePasswordHash('plain')).toBe('string');
  });
});

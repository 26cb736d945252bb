/**
 * Certificates made at test time with Debian's `openssl` (never committed): a CA, server
 * certificates for 127.0.0.1/localhost, client certificates whose CN is a username.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const openssl = (args: string[], cwd: string) => promisify(execFile)('openssl', args, { cwd, timeout: 20_000 });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface CertFiles {
  cert: string;
  key: string;
}

export interface TestCa extends CertFiles {
  /** A certificate signed by this CA: a server's (`san`, e.g. `DNS:localhost,IP:127.0.0.1`) or a client's (CN = username). */
  issue(name: string, options: { cn: string; san?: string }): Promise<CertFiles>;
}

/** A CA in `dir`; its certificates get serials 1, 2, 3... so each is told apart by serial. */
export async function createTestCa(dir: string, name: string): Promise<TestCa> {
  const ca = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await openssl(['req', '-x509', ...EC, '-days', '2', '-subj', `/CN=${name}`, '-keyout', ca.key, '-out', ca.cert], dir);
  let serial = 0;
  return {
    ...ca,
    async issue(leaf, { cn, san }) {
      serial += 1;
      const files = { cert: join(dir, `${leaf}.crt`), key: join(dir, `${leaf}.key`) };
      const csr = join(dir, `${leaf}.csr`);
      const ext = join(dir, `${leaf}.ext`);
      writeFileSync(ext, san ? `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n` : 'extendedKeyUsage=clientAuth\n');
      await openssl(['req', '-new', ...EC, '-subj', `/CN=${cn}`, '-keyout', files.key, '-out', csr], dir);
      await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(serial), '-days', '2', '-out', files.cert, '-extfile', ext], dir);
      return files;
    },
  };
}

export const LOOPBACK_SAN = 'DNS:localhost,IP:127.0.0.1';

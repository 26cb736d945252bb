/**
 * TLS credentials of a listener (the broker's MQTT over TLS, the API's HTTPS), read from PEM files
 * and checked before use: the certificate parses, is within its validity period, and matches the
 * key. Read again on reload (SIGHUP, after a renewal): a listener's `setSecureContext` swaps the
 * context for new connections only, so open ones are not dropped; a bad new file keeps the old.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Server as TlsServer, SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';

export interface TlsFiles {
  /** PEM: the certificate, then any intermediates (a "fullchain" file). */
  certFile: string;
  keyFile: string;
  /** PEM: the CAs a client certificate must chain to (the broker's optional client certificates). */
  caFile?: string;
}

/** What a certificate is, for logs and tests: enough to tell a renewed one from the old. */
export interface CertificateSummary {
  subject: string;
  serialNumber: string;
  fingerprint256: string;
  validTo: string;
}

export interface TlsCredentials {
  options: Required<Pick<SecureContextOptions, 'cert' | 'key'>> & Pick<SecureContextOptions, 'ca'>;
  certificate: CertificateSummary;
}

function read(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/**
 * Reads and checks the files; throws an Error that names the file and what is wrong with it.
 * @example const { options, certificate } = readTlsCredentials({ certFile: 'server.crt', keyFile: 'server.key' });
 */
export function readTlsCredentials({ certFile, keyFile, caFile }: TlsFiles, nowMs = Date.now()): TlsCredentials {
  const cert = read('certificate file', certFile);
  const key = read('key file', keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`the certificate file ${certFile} holds no PEM certificate: ${(err as Error).message}`);
  }
  if (Date.parse(x509.validTo) <= nowMs) throw new Error(`the certificate in ${certFile} expired on ${x509.validTo}`);
  if (Date.parse(x509.validFrom) > nowMs) throw new Error(`the certificate in ${certFile} is not valid before ${x509.validFrom}`);
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(`the key file ${keyFile} holds no usable private key: ${(err as Error).message}`);
  }
  if (!matches) throw new Error(`the key in ${keyFile} does not belong to the certificate in ${certFile}`);
  const ca = caFile ? read('CA file', caFile) : undefined;
  if (ca && !ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`the CA file ${caFile} holds no PEM certificate`);
  return {
    options: { cert, key, ...(ca ? { ca } : {}) },
    certificate: { subject: x509.subject.replaceAll('\n', ', '), serialNumber: x509.serialNumber, fingerprint256: x509.fingerprint256, validTo: x509.validTo },
  };
}

/**
 * Re-reads the files into a running listener. Connections already open keep their session;
 * new ones get the new certificate. When the new files are bad, the old certificate stays and
 * the error is logged. Returns whether the new certificate is in use.
 */
export function reloadTlsCredentials(server: TlsServer, files: TlsFiles, log: Logger, listener: string): boolean {
  let loaded: TlsCredentials;
  try {
    loaded = readTlsCredentials(files);
    server.setSecureContext(loaded.options);
  } catch (err) {
    log.error({ listener, err: (err as Error).message }, 'TLS certificate reload failed; keeping the old certificate');
    return false;
  }
  log.info({ listener, ...loaded.certificate }, 'TLS certificate reloaded');
  return true;
}

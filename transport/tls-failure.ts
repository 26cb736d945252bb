/**
 * Why a TLS connection to the broker failed, in words that name the setting to fix, or null when
 * the error is no TLS problem (unreachable, reset: worth retrying). A verification failure is a
 * configuration error that retrying cannot fix, so a session that has not connected yet gives up
 * at once (as on CONNACK 4/5) instead of retrying silently; it never falls back to plain MQTT.
 */

/** Names of the settings the messages tell people to change. */
export interface TlsSettingNames {
  /** Where the trusted CA is set, e.g. `MQTT_CA_FILE` or `--ca`. */
  ca: string;
  /** Where the broker's name is set, e.g. `MQTT_URL or MQTT_SERVERNAME`. */
  name: string;
}

export const ENV_TLS_SETTINGS: TlsSettingNames = { ca: 'MQTT_CA_FILE', name: 'MQTT_URL or MQTT_SERVERNAME' };

// OpenSSL's X509 verification results as Node reports them in `err.code`.
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** @example tlsFailure({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: '...' }, 'mqtts://x:8883', ENV_TLS_SETTINGS) */
export function tlsFailure(err: { code?: unknown; message: string }, url: string, names: TlsSettingNames = ENV_TLS_SETTINGS): string | null {
  const code = typeof err.code === 'string' ? err.code : '';
  if (UNTRUSTED.has(code)) {
    return `cannot verify the broker's TLS certificate at ${url} (${code}: ${err.message}); set ${names.ca} to the CA that signed the broker's certificate`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the broker's TLS certificate is not valid for the name connected to (${err.message}); connect by a name the certificate holds (${names.name})`;
  }
  if (OUT_OF_DATE.has(code)) {
    return `the broker's TLS certificate at ${url} is out of date (${code}); renew it on the broker, and check this machine's clock`;
  }
  if (NOT_TLS.has(code)) {
    return `the broker at ${url} does not speak TLS on that port (${code}); use its TLS port (MQTT_TLS_PORT, default 8883), or mqtt:// for a plain port`;
  }
  return null;
}

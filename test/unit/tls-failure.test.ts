import { describe, expect, it } from 'vitest';
import { tlsFailure } from '../../transport/index.js';

const url = 'mqtts://127.0.0.1:8883';
const failure = (code: unknown, message = 'x') => tlsFailure({ code, message }, url);

describe('TLS failures of a broker connection', () => {
  it('an untrusted certificate names the CA setting', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
      expect(failure(code, 'unable to verify')).toBe(
        `cannot verify the broker's TLS certificate at ${url} (${code}: unable to verify); set MQTT_CA_FILE to the CA that signed the broker's certificate`,
      );
    }
  });

  it('a wrong name names the URL and server-name settings, or the ones given', () => {
    expect(failure('ERR_TLS_CERT_ALTNAME_INVALID', "Host: x. is not in the cert's altnames")).toMatch(/connect by a name the certificate holds \(MQTT_URL or MQTT_SERVERNAME\)$/);
    expect(tlsFailure({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'm' }, url, { ca: '--ca', name: '--url or --servername' })).toMatch(/\(--url or --servername\)$/);
    expect(tlsFailure({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'm' }, url, { ca: '--ca', name: '--url' })).toMatch(/set --ca to/);
  });

  it('an expired certificate and a port without TLS say so', () => {
    expect(failure('CERT_HAS_EXPIRED')).toMatch(/out of date \(CERT_HAS_EXPIRED\); renew it on the broker/);
    expect(failure('ERR_SSL_WRONG_VERSION_NUMBER')).toMatch(/does not speak TLS on that port/);
  });

  it('what retrying can fix is no TLS failure: refused connections, resets, CONNACK codes', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 3, 5, undefined]) expect(failure(code)).toBeNull();
  });
});

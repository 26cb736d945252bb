import { describe, expect, it } from 'vitest';
import { clientCertDecision, peerCertificateOf, type PeerCertificate } from '../../broker/index.js';
import type { Principal } from '../../core/index.js';

const sensor: Principal = { role: 'sensor', username: 'gate-1', lotId: 'lot-a', sensorId: 'gate-1' };
const ingest: Principal = { role: 'ingest', username: 'manku-ingest' };
const none: PeerCertificate = { presented: false, trusted: false };
const own: PeerCertificate = { presented: true, trusted: true, commonName: 'gate-1' };
const other: PeerCertificate = { presented: true, trusted: true, commonName: 'gate-2' };
const foreign: PeerCertificate = { presented: true, trusted: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', commonName: 'gate-1' };

describe('client certificate policy', () => {
  it('off: certificates play no part', () => {
    for (const peer of [none, own, other, foreign]) expect(clientCertDecision('off', sensor, peer)).toEqual({ ok: true });
  });

  it('a presented certificate must be trusted and carry the username as CN, whatever the policy and role', () => {
    for (const policy of ['optional', 'required'] as const) {
      expect(clientCertDecision(policy, sensor, own)).toEqual({ ok: true });
      expect(clientCertDecision(policy, sensor, other)).toEqual({ ok: false, reason: 'client certificate CN "gate-2" is not the username "gate-1"' });
      expect(clientCertDecision(policy, ingest, other)).toMatchObject({ ok: false });
      expect(clientCertDecision(policy, sensor, foreign)).toEqual({
        ok: false,
        reason: 'client certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); it must be signed by a CA in MQTT_TLS_CA_FILE',
      });
    }
  });

  it('required: a sensor without a certificate is refused; a service account may use its password alone', () => {
    expect(clientCertDecision('required', sensor, none)).toEqual({ ok: false, reason: 'a sensor must present a client certificate over TLS (MQTT_TLS_CLIENT_CERT=required)' });
    expect(clientCertDecision('required', ingest, none)).toEqual({ ok: true });
    expect(clientCertDecision('optional', sensor, none)).toEqual({ ok: true });
  });

  it('a plain socket, or a TLS socket without a certificate, presents none', () => {
    expect(peerCertificateOf({ remoteAddress: '127.0.0.1' })).toEqual(none);
    expect(peerCertificateOf({ getPeerCertificate: () => ({}), authorized: false })).toEqual(none);
    expect(peerCertificateOf({ getPeerCertificate: () => ({ subject: { CN: 'gate-1' } }), authorized: true })).toEqual(own);
  });
});

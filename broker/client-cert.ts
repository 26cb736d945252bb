/**
 * Client certificates on the TLS listener (MQTT_TLS_CLIENT_CERT): pure policy, decided after the
 * password. A certificate, when presented, must chain to MQTT_TLS_CA_FILE and its CN must be the
 * account's username (a sensor's id), so a certificate taken from one gate cannot log in as
 * another. `required` demands one from every sensor, on any listener (a sensor on the plain port
 * has none, so it is refused); service accounts (ingest, api, reader) run on the operator's side
 * and may log in with their password alone.
 */
import type { TLSSocket } from 'node:tls';
import type { Principal } from '../core/index.js';
import type { Decision } from './acl.js';

export type ClientCertPolicy = 'off' | 'optional' | 'required';

/** What the peer presented in its TLS handshake; `presented: false` on a plain TCP connection. */
export interface PeerCertificate {
  presented: boolean;
  /** Chains to a trusted CA (Node's `socket.authorized`). */
  trusted: boolean;
  /** Why it is not trusted (Node's `socket.authorizationError`). */
  error?: string;
  commonName?: string;
}

/** Reads a connection's peer certificate (a plain socket has none). */
export function peerCertificateOf(conn: unknown): PeerCertificate {
  const socket = conn as Partial<TLSSocket> | null;
  if (!socket || typeof socket.getPeerCertificate !== 'function') return { presented: false, trusted: false };
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return { presented: false, trusted: false };
  const cn = cert.subject?.CN;
  return {
    presented: true,
    trusted: socket.authorized === true,
    ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}),
    ...(typeof cn === 'string' ? { commonName: cn } : {}),
  };
}

/** @example clientCertDecision('required', sensorPrincipal, { presented: false, trusted: false }) // { ok: false, ... } */
export function clientCertDecision(policy: ClientCertPolicy, principal: Principal, peer: PeerCertificate): Decision {
  if (policy === 'off') return { ok: true };
  if (peer.presented) {
    if (!peer.trusted) return { ok: false, reason: `client certificate not trusted (${peer.error ?? 'unknown error'}); it must be signed by a CA in MQTT_TLS_CA_FILE` };
    if (peer.commonName !== principal.username) {
      return { ok: false, reason: `client certificate CN "${peer.commonName ?? ''}" is not the username "${principal.username}"` };
    }
    return { ok: true };
  }
  if (policy === 'required' && principal.role === 'sensor') {
    return { ok: false, reason: 'a sensor must present a client certificate over TLS (MQTT_TLS_CLIENT_CERT=required)' };
  }
  return { ok: true };
}

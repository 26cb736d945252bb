/**
 * Which address a request comes from, for per-address limits and logs.
 *
 * By default the TCP peer's address: the only one a client cannot forge. Behind a reverse proxy
 * every request has the proxy's address, so `trustProxy` lists the proxies (addresses or CIDR
 * ranges); for a request from one of them, the client is the rightmost `X-Forwarded-For` entry
 * that is not a trusted proxy (entries further left were written by the client and prove
 * nothing). A header from an untrusted peer is ignored.
 */
import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is `192.0.2.1`. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Parses `TRUST_PROXY` entries (`10.0.0.5`, `10.0.0.0/8`, `::1`); throws on a bad one. */
export function trustList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (!family) throw new Error(`"${entry}" is no IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has a bad prefix length`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

const trusted = (list: BlockList, address: string) => {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

/**
 * The client's address from the peer's and the `X-Forwarded-For` header.
 * @example createClientAddress(['127.0.0.1'])('127.0.0.1', '198.51.100.9, 203.0.113.7') // '203.0.113.7'
 */
export function createClientAddress(trustProxy: readonly string[] = []): (peer: string | undefined, forwardedFor: string | undefined) => string {
  const list = trustProxy.length ? trustList(trustProxy) : null;
  return (peer, forwardedFor) => {
    const socket = plainAddress(peer ?? '');
    if (!list || !forwardedFor || !trusted(list, socket)) return socket;
    const hops = forwardedFor.split(',').map((s) => plainAddress(s.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // A malformed entry: the proxy chain is confused; the proxy's own address is the safe answer
      // (its clients share one budget) rather than something a client may have written.
      if (!isIP(hop)) return socket;
      if (!trusted(list, hop) || i === 0) return hop;
    }
    return socket;
  };
}

/**
 * The key a per-address limit counts under: an IPv4 address, or an IPv6 address's /64 (one
 * subscriber, e.g. one phone or home, usually holds a whole /64 and could rotate within it).
 */
export function addressKey(address: string): string {
  const plain = plainAddress(address).replace(/%.*$/, '');
  if (isIP(plain) !== 6) return plain;
  const [head = '', tail] = plain.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const width = (gs: string[]) => gs.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - width(h) - width(t)).fill('0'), ...t];
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** The TCP peer of a request served by @hono/node-server (undefined under `app.request()` without an env). */
export function peerOf(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

/**
 * Refuses an MQTT packet from its fixed header, before its body is buffered: aedes (and its
 * parser, mqtt-packet) would otherwise buffer a PUBLISH of any announced length (up to 256 MiB)
 * until it is complete, and only then could authorizePublish see its size.
 *
 * The scanner follows the byte stream from one fixed header to the next — a type byte, then the
 * remaining length as a varint of 1–4 bytes [MQTT-2.2.3] — and skips the bodies without copying.
 * It says no as soon as a remaining length above the limit is announced, or when a varint runs
 * past 4 bytes (malformed: a protocol error).
 */
import type { Duplex } from 'node:stream';
import type { BrokerRefusalKind } from '../protocol/index.js';

export interface PacketRefusal {
  kind: Extract<BrokerRefusalKind, 'oversize' | 'protocol-error'>;
  message: string;
}

/** Feeds bytes in order; returns a refusal at the first bad fixed header, null while all is well. */
export type HeaderScanner = (chunk: Uint8Array) => PacketRefusal | null;

/**
 * `maxBytes` is read at each fixed header, so a connection's limit can change once it has logged
 * in (a service account's health message is larger than anything a sensor may send).
 * @example const scan = createHeaderScanner(() => 4096); scan(Buffer.from([0x30, 0xff, 0xff, 0x03])) // oversize (65535 bytes)
 */
export function createHeaderScanner(maxBytes: () => number): HeaderScanner {
  let body = 0; // body bytes still to skip
  let inLength = false; // reading a remaining-length varint
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  return (chunk) => {
    let i = 0;
    while (i < chunk.length) {
      if (body > 0) {
        const skip = Math.min(body, chunk.length - i);
        body -= skip;
        i += skip;
      } else if (!inLength) {
        i += 1; // the type-and-flags byte: mqtt-packet judges it
        inLength = true;
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
      } else {
        const byte = chunk[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes += 1;
        if (byte & 0x80) {
          if (lengthBytes === 4) return { kind: 'protocol-error', message: 'malformed remaining length (more than 4 bytes)' };
          continue;
        }
        const limit = maxBytes();
        if (length > limit) return { kind: 'oversize', message: `packet of ${length} bytes announced, limit is ${limit}` };
        inLength = false;
        body = length;
      }
    }
    return null;
  };
}

/**
 * Guards a connection in place and returns it: every chunk the broker reads passes the scanner
 * first; on a refusal the connection is destroyed and the chunk never reaches the parser.
 *
 * In place rather than piped through a Transform: aedes reads a connection with `conn.read()` on
 * 'readable' (aedes lib/client.js), and uses the socket itself (remoteAddress, setNoDelay, cork
 * for tuneForService), so the broker keeps the real socket (TCP or TLS) with no second stream
 * and no extra copy on the read or the write path.
 */
export function guardPackets<T extends Duplex>(conn: T, maxBytes: () => number, onRefuse: (refusal: PacketRefusal) => void): T {
  const scan = createHeaderScanner(maxBytes);
  const read = conn.read;
  let refused = false;
  conn.read = function guardedRead(this: T, size?: number) {
    const chunk: unknown = read.call(this, size);
    if (refused || !(chunk instanceof Uint8Array)) return refused ? null : chunk;
    const refusal = scan(chunk);
    if (!refusal) return chunk;
    refused = true;
    onRefuse(refusal);
    conn.destroy();
    return null;
  };
  return conn;
}

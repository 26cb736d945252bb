/**
 * WebSocket fan-out for `GET /api/v1/live`. Each change is encoded once and the same text frame
 * goes to every subscriber of that lot. Peers that miss a ping are dropped; so is a slow consumer
 * whose unsent output passes a bound, rather than letting it grow server memory.
 */
import pino, { type Logger } from 'pino';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { decodeWith, isId, LiveClientMessage, type LiveErrorCode, type LotStatus } from '../protocol/index.js';
import type { StatusFeed } from './status-feed.js';

export interface LiveHubOptions {
  feed: Pick<StatusFeed, 'get' | 'has' | 'onChange'>;
  pingIntervalMs?: number;
  /** Unsent bytes a client may have queued before it is dropped. */
  maxBufferedBytes?: number;
  logger?: Logger;
  /** Told how long each fan-out took and to how many clients. */
  onFanout?: (seconds: number, clients: number) => void;
  /** Sockets written per turn of the event loop during a broadcast. */
  fanoutSlice?: number;
}

export type DropReason = 'heartbeat' | 'slow';

export interface LiveHub {
  /**
   * Takes over an open socket; `lots` from the `?lots=` query. With the upgraded TCP socket given,
   * broadcasts are written to it as one pre-built frame (no per-client framing).
   */
  attach(ws: WebSocket, lots: string[], socket?: Duplex): void;
  stop(): void;
  stats(): { clients: number; dropped: Record<DropReason, number> };
}

interface Peer {
  ws: WebSocket;
  socket: Duplex | undefined;
  lots: Set<string>;
  alive: boolean;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * One final, unmasked text frame (RFC 6455 §5.2: server frames are not masked), built once and
 * written as is to every subscriber's socket.
 */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.alloc(2) : n < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) header[1] = n;
  else if (n < 65_536) {
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

export function createLiveHub({
  feed,
  pingIntervalMs = 30_000,
  maxBufferedBytes = 1 << 20,
  logger = pino({ level: 'silent' }),
  onFanout,
  fanoutSlice = 2000,
}: LiveHubOptions): LiveHub {
  const log = logger.child({ component: 'live' });
  const peers = new Set<Peer>();
  const byLot = new Map<string, Set<Peer>>();
  const dropped: Record<DropReason, number> = { heartbeat: 0, slow: 0 };

  function drop(peer: Peer, reason: DropReason) {
    dropped[reason] += 1;
    log.info({ reason, buffered: peer.ws.bufferedAmount }, 'live client dropped');
    peer.ws.terminate();
  }

  function send(peer: Peer, frame: Buffer) {
    if (peer.ws.readyState !== WebSocket.OPEN) return;
    if (peer.ws.bufferedAmount > maxBufferedBytes) return drop(peer, 'slow');
    peer.ws.send(frame, { binary: false }); // a Buffer without binary:false reaches a browser as a Blob
  }

  function broadcast(peer: Peer, payload: Buffer, frame: Buffer) {
    if (!peer.socket) return send(peer, payload);
    if (peer.ws.readyState !== WebSocket.OPEN) return;
    if (peer.ws.bufferedAmount > maxBufferedBytes) return drop(peer, 'slow');
    peer.socket.write(frame);
  }

  function error(peer: Peer, code: LiveErrorCode, message: string) {
    send(peer, encode({ type: 'error', code, message }));
  }

  function subscribe(peer: Peer, lots: string[]) {
    const unknown = lots.filter((id) => !isId(id) || !feed.has(id));
    if (unknown.length) error(peer, 'unknown_lot', `no such lot: ${unknown.join(', ')}; GET /api/v1/lots lists the lots`);
    for (const id of lots) {
      if (unknown.includes(id)) continue;
      peer.lots.add(id);
      let set = byLot.get(id);
      if (!set) byLot.set(id, (set = new Set()));
      set.add(peer);
      send(peer, encode({ type: 'status', status: feed.get(id) }));
    }
  }

  function unsubscribe(peer: Peer, lots: Iterable<string>) {
    for (const id of lots) {
      peer.lots.delete(id);
      byLot.get(id)?.delete(peer);
    }
  }

  function onMessage(peer: Peer, data: Buffer, isBinary: boolean) {
    const msg = isBinary ? null : decodeWith(LiveClientMessage, data);
    if (!msg || (!msg.ok && msg.reason === 'json')) {
      return error(peer, 'bad_message', 'send a JSON text frame, e.g. {"type":"subscribe","lots":["demo-hospital"]}');
    }
    if (!msg.ok) return error(peer, 'bad_message', msg.error);
    if (msg.data.type === 'subscribe') subscribe(peer, msg.data.lots);
    else unsubscribe(peer, msg.data.lots);
  }

  // A broadcast to many thousands of sockets takes ~100 ms; it goes in slices so the event loop
  // (and, in `manku all`, the broker and ingest) keeps turning. Later slices of one broadcast and
  // the next broadcast queue in order, so every client still sees changes in order.
  const unlisten = feed.onChange((status: LotStatus) => {
    const subscribers = byLot.get(status.lotId);
    if (!subscribers?.size) return;
    const started = performance.now();
    const payload = encode({ type: 'status', status });
    const frame = textFrame(payload);
    const peers = [...subscribers]; // who was subscribed at the change
    const slice = (from: number) => {
      const to = Math.min(peers.length, from + fanoutSlice);
      for (let i = from; i < to; i++) broadcast(peers[i]!, payload, frame);
      if (to < peers.length) setImmediate(slice, to);
      else onFanout?.((performance.now() - started) / 1000, peers.length);
    };
    slice(0);
  });

  const pinger = setInterval(() => {
    for (const peer of peers) {
      if (!peer.alive) {
        drop(peer, 'heartbeat');
        continue;
      }
      peer.alive = false;
      peer.ws.ping();
    }
  }, pingIntervalMs);
  pinger.unref();

  return {
    attach(ws, lots, socket) {
      const peer: Peer = { ws, socket, lots: new Set(), alive: true };
      peers.add(peer);
      ws.on('pong', () => (peer.alive = true));
      ws.on('message', (data, isBinary) => onMessage(peer, data as Buffer, isBinary));
      ws.on('close', () => {
        peers.delete(peer);
        unsubscribe(peer, [...peer.lots]);
      });
      ws.on('error', () => {});
      if (lots.length) subscribe(peer, lots);
    },
    stop() {
      clearInterval(pinger);
      unlisten();
      for (const peer of peers) peer.ws.terminate();
    },
    stats: () => ({ clients: peers.size, dropped: { ...dropped } }),
  };
}

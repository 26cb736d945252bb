/**
 * WebSocket fan-out for `GET /api/v1/live`. Each change is encoded once and the same text frame
 * goes to every subscriber of that lot. Fan-out runs after the turn that brought the change, in
 * slices of at most `fanoutBudgetMs`: changes of a lot that come while its fan-out is still
 * waiting replace it (each client gets every change, or the newest when the hub is behind), so a
 * burst of late statuses costs one write per lot and client, not one per status, and the event
 * loop keeps turning. What one client can cost is bounded:
 * - unread output: bytes written since the client last proved it had read (a pong to a probe
 *   ping sent behind them) may not pass `maxBufferedBytes`; this counts what sits in the kernel's
 *   socket buffers too, which `bufferedAmount` does not see (issue: 3 MB per never-reading socket);
 * - a probe not answered within `drainTimeoutMs` while output is unread drops the client;
 * - peers that miss a heartbeat ping are dropped (the pings, too, go out in slices);
 * - subscriptions are deduplicated and capped per client, client messages are rate-limited,
 *   and one address may hold only so many connections.
 */
import pino, { type Logger } from 'pino';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { decodeWith, isId, LiveClientMessage, MAX_LIVE_LOTS_PER_CLIENT, type LiveErrorCode, type LotStatus } from '../protocol/index.js';
import { createTokenBucket, type TokenBucket } from '../core/index.js';
import type { StatusFeed } from './status-feed.js';

export interface LiveHubOptions {
  feed: Pick<StatusFeed, 'get' | 'has' | 'onChange'>;
  pingIntervalMs?: number;
  /** Output bytes a client may leave unread (in our buffers and the kernel's) before it is dropped. */
  maxBufferedBytes?: number;
  /** A client with unread output that does not answer a probe ping within this is dropped. */
  drainTimeoutMs?: number;
  /** Lots one client may hold. */
  maxLotsPerClient?: number;
  /** Client messages (subscribe/unsubscribe) per second, and the burst allowed. */
  messagesPerSecond?: number;
  messageBurst?: number;
  /** Connections one remote address may hold; 0: no limit (behind a proxy, limit there instead). */
  maxClientsPerAddress?: number;
  now?: () => number;
  logger?: Logger;
  /** Told, for each fan-out, the time from the change reaching the hub to its last write, and to how many clients. */
  onFanout?: (seconds: number, clients: number) => void;
  /** Longest stretch of fan-out writes (or heartbeat pings) before the event loop gets a turn. */
  fanoutBudgetMs?: number;
}

export type DropReason = 'heartbeat' | 'slow' | 'stalled';

export interface LiveHub {
  /** Starts listening to the feed and the heartbeat; until then the hub is inert. */
  start(): void;
  /** Stops the timers and the feed, and closes every client. */
  stop(): void;
  readonly running: boolean;
  /** Told, for each fan-out, the time from the change to its last write and to how many clients; returns an unsubscribe. */
  onFanout(listener: (seconds: number, clients: number) => void): () => void;
  /** False when `address` already holds as many connections as it may. */
  accepts(address: string | undefined): boolean;
  /**
   * Takes over an open socket; `lots` from the `?lots=` query; `address` the client's (default the
   * socket's peer), as counted by `accepts`. Broadcasts are written to the
   * upgraded TCP socket as one pre-built frame (no per-client framing).
   */
  attach(ws: WebSocket, lots: string[], socket: Socket, address?: string): void;
  /** `coalesced`: changes replaced by a newer one of the same lot before they were sent. */
  stats(): { clients: number; dropped: Record<DropReason, number>; coalesced: number };
}

interface Peer {
  ws: WebSocket;
  socket: Socket;
  address: string;
  /** The lots held, each with the status last sent for it (null before the first). */
  lots: Map<string, LotStatus | null>;
  alive: boolean;
  messages: TokenBucket;
  /** socket.bytesWritten when the client last answered a probe: everything before it was read. */
  readBytes: number;
  /** The probe ping in flight: its number, the bytes written before it, and when it was sent. */
  probe: { id: number; bytes: number; atMs: number } | null;
}

const PROBE = 'p';

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
  fanoutBudgetMs = 10,
  drainTimeoutMs = 15_000,
  maxLotsPerClient = MAX_LIVE_LOTS_PER_CLIENT,
  messagesPerSecond = 5,
  messageBurst = 20,
  maxClientsPerAddress = 100,
  now = Date.now,
}: LiveHubOptions): LiveHub {
  const log = logger.child({ component: 'live' });
  const peers = new Set<Peer>();
  const byLot = new Map<string, Set<Peer>>();
  const byAddress = new Map<string, number>();
  const dropped: Record<DropReason, number> = { heartbeat: 0, slow: 0, stalled: 0 };
  let probes = 0;

  function drop(peer: Peer, reason: DropReason) {
    if (peer.ws.readyState === WebSocket.CLOSED) return;
    dropped[reason] += 1;
    log.info({ reason, address: peer.address, unread: unread(peer), buffered: peer.ws.bufferedAmount }, 'live client dropped');
    peer.ws.terminate();
  }

  const unread = (peer: Peer) => peer.socket.bytesWritten - peer.readBytes;

  // A probe once a sixteenth of the bound is unread: a few pings an hour for a quiet client.
  const probeAfterBytes = Math.max(1, Math.floor(maxBufferedBytes / 16));

  /** Asks the client to prove it has read what was written so far (RFC 6455 §5.5.3: a pong echoes the ping's data). */
  function probe(peer: Peer) {
    if (peer.probe || unread(peer) < probeAfterBytes || peer.ws.readyState !== WebSocket.OPEN) return;
    probes = (probes + 1) % 1e9;
    peer.probe = { id: probes, bytes: peer.socket.bytesWritten, atMs: now() };
    peer.ws.ping(`${PROBE}${probes}`);
  }

  /** False (and the client dropped) when it has left too much unread. */
  function writable(peer: Peer): boolean {
    if (peer.ws.readyState !== WebSocket.OPEN) return false;
    if (unread(peer) > maxBufferedBytes) {
      drop(peer, 'slow');
      return false;
    }
    return true;
  }

  function send(peer: Peer, frame: Buffer) {
    if (!writable(peer)) return;
    peer.ws.send(frame, { binary: false }); // a Buffer without binary:false reaches a browser as a Blob
    probe(peer);
  }

  function broadcast(peer: Peer, frame: Buffer) {
    if (!writable(peer)) return;
    peer.socket.write(frame);
    probe(peer);
  }

  function error(peer: Peer, code: LiveErrorCode, message: string, lots?: string[]) {
    send(peer, encode({ type: 'error', code, message, ...(lots ? { lots } : {}) }));
  }

  function subscribe(peer: Peer, requested: string[]) {
    const lots = [...new Set(requested)].filter((id) => !peer.lots.has(id)); // already held: nothing to send again
    const unknown = lots.filter((id) => !isId(id) || !feed.has(id));
    if (unknown.length) error(peer, 'unknown_lot', `no such lot: ${unknown.join(', ')}; GET /api/v1/lots lists the lots`, unknown);
    const known = lots.filter((id) => !unknown.includes(id));
    const room = Math.max(0, maxLotsPerClient - peer.lots.size);
    if (known.length > room) {
      const refused = known.slice(room);
      error(peer, 'too_many_lots', `a connection may hold ${maxLotsPerClient} lots; not subscribed: ${refused.join(', ')} (unsubscribe others first)`, refused);
    }
    for (const id of known.slice(0, room)) {
      let set = byLot.get(id);
      if (!set) byLot.set(id, (set = new Set()));
      set.add(peer);
      const status = feed.get(id);
      peer.lots.set(id, status);
      send(peer, encode({ type: 'status', status }));
    }
  }

  function unsubscribe(peer: Peer, lots: Iterable<string>) {
    for (const id of lots) {
      peer.lots.delete(id);
      byLot.get(id)?.delete(peer);
    }
  }

  function onMessage(peer: Peer, data: Buffer, isBinary: boolean) {
    if (!peer.messages.take(now())) {
      return error(peer, 'rate_limited', `at most ${messagesPerSecond} messages a second (bursts of ${messageBurst}); this one was ignored`);
    }
    const msg = isBinary ? null : decodeWith(LiveClientMessage, data);
    if (!msg || (!msg.ok && msg.reason === 'json')) {
      return error(peer, 'bad_message', 'send a JSON text frame, e.g. {"type":"subscribe","lots":["demo-hospital"]}');
    }
    if (!msg.ok) return error(peer, 'bad_message', msg.error);
    if (msg.data.type === 'subscribe') subscribe(peer, msg.data.lots);
    else unsubscribe(peer, msg.data.lots);
  }

  const fanoutListeners = new Set<(seconds: number, clients: number) => void>();
  if (onFanout) fanoutListeners.add(onFanout);
  let running: { stop(): void } | null = null;

  // Fan-out: the newest waiting status of each lot, in the order the lots first changed, and the
  // one fan-out under way (a lot with many thousands of subscribers takes several slices). A
  // socket write costs ~100 µs on a busy machine (the receiver's TCP work is charged to the
  // writer), so a stalled API that fanned out every late status would stall longer each time.
  const waiting = new Map<string, { status: LotStatus; changedAt: number }>();
  let current: { lotId: string; status: LotStatus; frame: Buffer; peers: Peer[]; next: number; changedAt: number } | null = null;
  let scheduled = false;
  let coalesced = 0;

  function onChange(status: LotStatus) {
    if (!byLot.get(status.lotId)?.size) return;
    const before = waiting.get(status.lotId);
    if (before) coalesced += 1;
    waiting.set(status.lotId, { status, changedAt: before?.changedAt ?? performance.now() });
    schedule();
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(fanout);
  }

  /**
   * One slice's budget, for the fan-out's writes and the heartbeat's pings: true once
   * `fanoutBudgetMs` has passed, with the clock read every 32 writes (reading it is not free).
   */
  function sliceBudget(): () => boolean {
    const deadline = performance.now() + fanoutBudgetMs;
    let writes = 0;
    return () => ++writes % 32 === 0 && performance.now() > deadline;
  }

  /** Writes waiting statuses until they are done or the slice's budget is spent. */
  function fanout() {
    scheduled = false;
    if (!running) return;
    const spent = sliceBudget();
    for (;;) {
      if (!current) {
        const first = waiting.entries().next();
        if (first.done) return;
        const [lotId, { status, changedAt }] = first.value;
        waiting.delete(lotId);
        const subscribers = byLot.get(lotId);
        if (!subscribers?.size) continue;
        current = { lotId, status, frame: textFrame(encode({ type: 'status', status })), peers: [...subscribers], next: 0, changedAt };
      }
      const { lotId, status, frame, peers } = current;
      while (current.next < peers.length) {
        const peer = peers[current.next++]!;
        const sent = peer.lots.get(lotId);
        if (sent === undefined || sent === status) continue; // unsubscribed since, or sent on subscribing
        peer.lots.set(lotId, status);
        broadcast(peer, frame);
        if (spent()) return schedule();
      }
      for (const listener of fanoutListeners) listener((performance.now() - current.changedAt) / 1000, peers.length);
      current = null;
    }
  }

  /**
   * Pings every peer once a round, and drops one that did not answer the last round's ping. In
   * slices of `fanoutBudgetMs` like the fan-out: 5,000 pings in one turn stopped the API's loop
   * for 0.5–0.9 s every 30 s in the soak (a loopback write is 100–400 µs).
   */
  let sweeping = false;
  function heartbeat() {
    if (sweeping) return; // the last round is still going (a budget far below its work)
    sweeping = true;
    const round = [...peers];
    let next = 0;
    const slice = () => {
      if (!running) return void (sweeping = false);
      const spent = sliceBudget();
      while (next < round.length) {
        const peer = round[next++]!;
        if (!peers.has(peer)) continue; // gone since the round began
        if (!peer.alive) drop(peer, 'heartbeat');
        else {
          peer.alive = false;
          peer.ws.ping();
        }
        if (spent()) return void setImmediate(slice);
      }
      sweeping = false;
    };
    slice();
  }

  /** A probe that goes unanswered: the client has stopped reading. */
  function dropStalled() {
    const t = now();
    for (const peer of peers) if (peer.probe && t - peer.probe.atMs > drainTimeoutMs) drop(peer, 'stalled');
  }

  function onPong(peer: Peer, data: Buffer) {
    peer.alive = true;
    if (peer.probe && data.toString() === `${PROBE}${peer.probe.id}`) {
      peer.readBytes = peer.probe.bytes;
      peer.probe = null;
    }
  }

  function forget(peer: Peer) {
    if (!peers.delete(peer)) return;
    unsubscribe(peer, [...peer.lots.keys()]);
    const n = (byAddress.get(peer.address) ?? 1) - 1;
    if (n > 0) byAddress.set(peer.address, n);
    else byAddress.delete(peer.address);
  }

  return {
    start() {
      if (running) return;
      const unlisten = feed.onChange(onChange);
      const pinger = setInterval(heartbeat, pingIntervalMs);
      const drainer = setInterval(dropStalled, Math.max(100, Math.min(1000, drainTimeoutMs / 4)));
      pinger.unref();
      drainer.unref();
      running = {
        stop() {
          unlisten();
          clearInterval(pinger);
          clearInterval(drainer);
        },
      };
    },
    get running() {
      return running !== null;
    },
    onFanout(listener) {
      fanoutListeners.add(listener);
      return () => fanoutListeners.delete(listener);
    },
    accepts(address) {
      return maxClientsPerAddress <= 0 || (byAddress.get(address ?? '') ?? 0) < maxClientsPerAddress;
    },
    attach(ws, lots, socket, address = socket.remoteAddress ?? '') {
      const peer: Peer = {
        ws,
        socket,
        address,
        lots: new Map(),
        alive: true,
        messages: createTokenBucket({ perSecond: messagesPerSecond, burst: messageBurst }),
        readBytes: socket.bytesWritten, // the 101 response was not ours to count
        probe: null,
      };
      peers.add(peer);
      byAddress.set(address, (byAddress.get(address) ?? 0) + 1);
      ws.on('pong', (data) => onPong(peer, data));
      ws.on('message', (data, isBinary) => onMessage(peer, data as Buffer, isBinary));
      ws.on('close', () => forget(peer));
      ws.on('error', (err) => log.debug({ err: err.message, address }, 'live socket error'));
      if (lots.length) subscribe(peer, lots);
    },
    stop() {
      running?.stop();
      running = null;
      waiting.clear();
      current = null;
      for (const peer of peers) peer.ws.terminate();
    },
    stats: () => ({ clients: peers.size, dropped: { ...dropped }, coalesced }),
  };
}

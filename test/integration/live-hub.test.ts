/**
 * The live hub's protections with real sockets, through the production upgrade path (pre-built
 * frames written to the raw socket): peers that stop answering pings are dropped, and so is a
 * consumer that stops reading, before its unread output (ours and the kernel's) passes the bound.
 * Subscriptions are deduplicated, capped and rate-limited. The feed is a small in-process emitter
 * so that thousands of changes can be made quickly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveHub, type LiveHub } from '../../api/index.js';
import { attachLiveUpgrade } from '../../api/live-upgrade.js';
import type { LotStatus } from '../../protocol/index.js';
import { waitFor } from '../../testkit/wait.js';

const status = (occupied: number): LotStatus => ({
  lotId: 'lot-a',
  name: { ja: 'A', en: 'A' },
  capacity: 100_000,
  occupied,
  available: 100_000 - occupied,
  occupancy: occupied / 100_000,
  level: 'vacant',
  label: '空',
  observedAt: new Date(0).toISOString(),
  stale: false,
});

function emitterFeed() {
  const listeners = new Set<(s: LotStatus) => void>();
  return {
    get: (id: string) => ({ ...status(0), lotId: id }),
    has: (id: string) => id === 'lot-a' || id === 'lot-b',
    onChange(l: (s: LotStatus) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit: (s: LotStatus) => listeners.forEach((l) => l(s)),
  };
}

let server: Server | null = null;
let hub: LiveHub | null = null;
afterEach(() => {
  hub?.stop();
  server?.close();
  hub = server = null;
});

/** The server side of each connection, to read what it wrote. */
const serverSockets: Socket[] = [];
/** The last hub's WebSocket server, to see its side of each connection. */
let lastWss: WebSocketServer | null = null;

async function serveHub(options: Parameters<typeof createLiveHub>[0], lots = 'lot-a') {
  const h = createLiveHub(options);
  hub = h;
  h.start();
  const wss = new WebSocketServer({ noServer: true });
  lastWss = wss;
  server = createServer();
  server.on('upgrade', (req) => serverSockets.push(req.socket));
  attachLiveUpgrade(server, { wss, hub: h, allowedOrigins: ['*'] });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/live${lots ? `?lots=${lots}` : ''}`;
}

/** One change per turn of the event loop: a hub that keeps up sends every one. */
async function emitEach(feed: ReturnType<typeof emitterFeed>, from: number, to: number) {
  for (let i = from; i <= to; i++) {
    feed.emit(status(i));
    await new Promise((r) => setImmediate(r));
  }
}

/** A client that keeps every message from the first (the snapshot can arrive with the 101). */
async function openCollecting(url: string) {
  const ws = new WebSocket(url);
  const got: Array<Record<string, any>> = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  return { ws, got };
}

function open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) {
  const ws = new WebSocket(url, options);
  return new Promise<WebSocket>((resolve, reject) => ws.once('open', () => resolve(ws)).once('error', reject));
}

describe('live hub', () => {
  it('drops a peer that does not answer pings, keeps one that does', async () => {
    // 400 ms, not less: hub and clients share this process, and a stall longer than one interval
    // lets the heartbeat run before the pong it sent for is read (a loaded CI machine dropped the healthy peer at 50 ms)
    const url = await serveHub({ feed: emitterFeed(), pingIntervalMs: 400 });
    const silent = await open(url, { autoPong: false });
    // listened for at once: on a slow machine the drop can come before the next await returns
    const closed = new Promise((r) => silent.once('close', r));
    const healthy = await open(url);
    let pings = 0;
    healthy.on('ping', () => pings++);
    await closed;
    expect(hub!.stats().dropped.heartbeat).toBe(1);
    await waitFor(() => hub!.stats().clients === 1, { what: 'the dropped peer to be gone' });
    // several ping rounds later the healthy peer, which answers, is still there
    const after = pings;
    await waitFor(() => pings >= after + 3, { timeoutMs: 15_000, what: 'three more ping rounds' });
    expect(healthy.readyState).toBe(WebSocket.OPEN);
    expect(hub!.stats().dropped.heartbeat).toBe(1);
    healthy.terminate();
  });

  it('sends a round of heartbeat pings in slices, letting the event loop turn between them', async () => {
    // a budget of 0 ms: 32 pings per turn, so a round of 100 peers takes four turns
    const url = await serveHub({ feed: emitterFeed(), fanoutBudgetMs: 0, pingIntervalMs: 1000 });
    const clients = await Promise.all(Array.from({ length: 100 }, () => open(url)));
    // Each ping is marked with the loop's turn: a check scheduled at the first ping of a turn
    // runs before the hub's next slice, and moves the mark on.
    let turn = 0;
    let marking = false;
    const perTurn = new Map<number, number>();
    for (const ws of lastWss!.clients) {
      const ping = ws.ping.bind(ws);
      ws.ping = (...args: Parameters<WebSocket['ping']>) => {
        if (!marking) {
          marking = true;
          setImmediate(() => ((turn += 1), (marking = false)));
        }
        perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
        return ping(...args);
      };
    }
    const pinged = () => [...perTurn.values()].reduce((a, b) => a + b, 0);
    await waitFor(() => pinged() >= 200, { timeoutMs: 20_000, what: 'two rounds of pings' });
    expect(Math.max(...perTurn.values())).toBe(32); // not 100 in one turn
    expect(hub!.stats().dropped.heartbeat).toBe(0);
    for (const ws of clients) ws.terminate();
  });

  it('drops a consumer that stops reading once its unread output, kernel buffers included, passes the bound', async () => {
    const feed = emitterFeed();
    const bound = 256 * 1024;
    const url = await serveHub({ feed, maxBufferedBytes: bound, pingIntervalMs: 60_000 });
    const slow = await open(url);
    const slowServerSide = serverSockets.at(-1)!;
    const fast = await open(url);
    let fastGot = 0;
    fast.on('message', () => fastGot++);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading; pongs stop too
    const closed = new Promise<number>((resolve) => slowServerSide.once('close', () => resolve(slowServerSide.bytesWritten)));
    // Bounded by count and time: at most 50k changes (about 15 MB for the slow peer) or 20 s. Each
    // batch waits for the fast consumer, which stays well within the bound, as a reading client does.
    const deadline = Date.now() + 20_000;
    let sent = 0;
    while (hub!.stats().dropped.slow === 0 && sent < 50_000 && Date.now() < deadline) {
      await emitEach(feed, sent + 1, sent + 100);
      sent += 100;
      await waitFor(() => fastGot >= sent, { what: 'the fast consumer to keep up' });
    }
    expect(hub!.stats().dropped.slow).toBe(1);
    // Before: the kernel took megabytes first (bufferedAmount saw only our own queue).
    expect(await closed).toBeLessThan(bound + 16 * 1024);
    expect(fast.readyState).toBe(WebSocket.OPEN);
    await waitFor(() => fastGot >= sent, { timeoutMs: 20_000, what: 'the fast consumer to get every change' });
    fast.terminate();
    slow.terminate();
  });

  it('a burst of changes within one turn sends each client the newest of each lot once, in the order the lots changed', async () => {
    const feed = emitterFeed();
    // a budget of 0 ms: a slice of 32 writes per turn, so the 60 clients below take several turns
    const url = await serveHub({ feed, fanoutBudgetMs: 0, pingIntervalMs: 60_000 }, 'lot-a,lot-b');
    const clients = await Promise.all(Array.from({ length: 60 }, () => openCollecting(url)));
    await waitFor(() => clients.every((c) => c.got.length === 2), { what: 'the two snapshots on every client' });
    for (let i = 1; i <= 500; i++) {
      feed.emit({ ...status(i), lotId: 'lot-b' });
      feed.emit(status(i));
    }
    await waitFor(() => clients.every((c) => c.got.length >= 4), { what: 'the newest of both lots on every client' });
    await emitEach(feed, 501, 501); // one more after the burst, sent as it comes
    await waitFor(() => clients.every((c) => c.got.length >= 5), { what: 'the change after the burst' });
    for (const c of clients) {
      expect(c.got.slice(2).map((m) => [m.status.lotId, m.status.occupied])).toEqual([['lot-b', 500], ['lot-a', 500], ['lot-a', 501]]);
    }
    expect(hub!.stats().coalesced).toBe(998);
    for (const c of clients) c.ws.terminate();
  });

  it('a client subscribing while a change waits gets it once, with its snapshot', async () => {
    const feed = emitterFeed();
    const url = await serveHub({ feed, pingIntervalMs: 60_000 });
    const early = await openCollecting(url);
    await waitFor(() => early.got.length === 1, { what: 'the snapshot' });
    // The lot changes in the very turn the next client subscribes: its snapshot already is the
    // change that waits to be fanned out, so it must not get it a second time.
    const changed = status(7);
    feed.get = () => {
      feed.emit(changed);
      return changed;
    };
    const late = await openCollecting(url);
    await waitFor(() => early.got.length === 2 && late.got.length >= 1, { what: 'the change and the snapshot' });
    feed.get = (id: string) => ({ ...changed, lotId: id });
    await emitEach(feed, 8, 8);
    await waitFor(() => early.got.length === 3 && late.got.length >= 2, { what: 'the next change' });
    expect(late.got.map((m) => m.status.occupied)).toEqual([7, 8]);
    expect(early.got.map((m) => m.status.occupied)).toEqual([0, 7, 8]);
    early.ws.terminate();
    late.ws.terminate();
  });

  it('drops a client that leaves output unread past the drain timeout, keeps one that reads', async () => {
    const feed = emitterFeed();
    const url = await serveHub({ feed, maxBufferedBytes: 16 * 1024, drainTimeoutMs: 300, pingIntervalMs: 60_000 });
    const stuck = await open(url);
    const reader = await open(url);
    (stuck as unknown as { _socket: { pause(): void } })._socket.pause();
    await emitEach(feed, 1, 20); // about 6 KB in all: over the probe threshold, far under the bound
    await waitFor(() => hub!.stats().dropped.stalled === 1, { what: 'the stuck client to be dropped as stalled' });
    expect(hub!.stats().dropped.slow).toBe(0);
    await emitEach(feed, 21, 40);
    await waitFor(() => hub!.stats().clients === 1, { what: 'only the reader left' });
    expect(reader.readyState).toBe(WebSocket.OPEN);
    reader.terminate();
    stuck.terminate();
  });
});

describe('live hub limits', () => {
  it('deduplicates lots in the query and in messages: no amplification', async () => {
    const url = await serveHub({ feed: emitterFeed(), pingIntervalMs: 60_000 }, Array(1000).fill('lot-a').join(','));
    const { ws, got } = await openCollecting(url);
    const dup = JSON.stringify({ type: 'subscribe', lots: Array(100).fill('lot-a') });
    for (let i = 0; i < 10; i++) ws.send(dup);
    ws.send(JSON.stringify({ type: 'subscribe', lots: ['lot-b', 'lot-b'] }));
    await waitFor(() => got.some((m) => m.status?.lotId === 'lot-b'), { what: 'lot-b once' });
    expect(got.filter((m) => m.type === 'status').map((m) => m.status.lotId)).toEqual(['lot-a', 'lot-b']);
    ws.terminate();
  });

  it('caps the lots one connection holds, naming the ones refused', async () => {
    const url = await serveHub({ feed: emitterFeed(), maxLotsPerClient: 1, pingIntervalMs: 60_000 });
    const { ws, got } = await openCollecting(url);
    ws.send(JSON.stringify({ type: 'subscribe', lots: ['lot-b'] }));
    await waitFor(() => got.some((m) => m.type === 'error'), { what: 'the error' });
    expect(got.find((m) => m.type === 'error')).toMatchObject({ code: 'too_many_lots', lots: ['lot-b'] });
    ws.send(JSON.stringify({ type: 'unsubscribe', lots: ['lot-a'] }));
    ws.send(JSON.stringify({ type: 'subscribe', lots: ['lot-b'] }));
    await waitFor(() => got.some((m) => m.status?.lotId === 'lot-b'), { what: 'lot-b after making room' });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.terminate();
  });

  it('rate-limits client messages with an error each, keeping the socket', async () => {
    const url = await serveHub({ feed: emitterFeed(), messagesPerSecond: 1, messageBurst: 3, pingIntervalMs: 60_000 }, '');
    const { ws, got } = await openCollecting(url);
    for (let i = 0; i < 10; i++) ws.send(JSON.stringify({ type: i % 2 ? 'unsubscribe' : 'subscribe', lots: ['lot-a'] }));
    await waitFor(() => got.length >= 9, { what: 'answers to the burst and the excess' });
    expect(got.filter((m) => m.code === 'rate_limited')).toHaveLength(7);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.terminate();
  });

  it('refuses connections past the per-address cap with 429', async () => {
    const url = await serveHub({ feed: emitterFeed(), maxClientsPerAddress: 2, pingIntervalMs: 60_000 });
    const a = await open(url);
    const b = await open(url);
    await expect(open(url)).rejects.toThrow(/429/);
    a.terminate();
    await waitFor(() => hub!.stats().clients === 1, { what: 'a slot to free up' });
    const c = await open(url);
    b.terminate();
    c.terminate();
  });
});

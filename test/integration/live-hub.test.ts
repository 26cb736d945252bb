/**
 * The live hub's protections with real sockets: peers that stop answering pings are dropped, and
 * so is a consumer that stops reading, before its queue can grow server memory. The feed is a
 * small in-process emitter so that thousands of changes can be made quickly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveHub, type LiveHub } from '../../api/index.js';
import type { LotStatus } from '../../protocol/index.js';
import { waitFor } from '../../bench/support/wait.js';

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
    get: () => status(0),
    has: (id: string) => id === 'lot-a',
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

async function serveHub(options: Parameters<typeof createLiveHub>[0]) {
  hub = createLiveHub(options);
  const wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => hub!.attach(ws, ['lot-a'])));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) {
  const ws = new WebSocket(url, options);
  return new Promise<WebSocket>((resolve, reject) => ws.once('open', () => resolve(ws)).once('error', reject));
}

describe('live hub', () => {
  it('drops a peer that does not answer pings, keeps one that does', async () => {
    const url = await serveHub({ feed: emitterFeed(), pingIntervalMs: 50 });
    const silent = await open(url, { autoPong: false });
    const healthy = await open(url);
    let pings = 0;
    healthy.on('ping', () => pings++);
    const closed = new Promise((r) => silent.once('close', r));
    await closed;
    expect(hub!.stats().dropped.heartbeat).toBe(1);
    await waitFor(() => hub!.stats().clients === 1, { what: 'the dropped peer to be gone' });
    // several ping rounds later the healthy peer, which answers, is still there
    const after = pings;
    await waitFor(() => pings >= after + 3, { what: 'three more ping rounds' });
    expect(healthy.readyState).toBe(WebSocket.OPEN);
    expect(hub!.stats().dropped.heartbeat).toBe(1);
    healthy.terminate();
  });

  it('drops a consumer that stops reading once its unsent output passes the bound', async () => {
    const feed = emitterFeed();
    const url = await serveHub({ feed, maxBufferedBytes: 64 * 1024, pingIntervalMs: 60_000 });
    const slow = await open(url);
    const fast = await open(url);
    let fastGot = 0;
    fast.on('message', () => fastGot++);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading; the kernel buffers fill
    // Bounded by count and time: at most 200k changes (about 60 MB for the slow peer) or 20 s.
    const deadline = Date.now() + 20_000;
    let sent = 0;
    while (hub!.stats().dropped.slow === 0 && sent < 200_000 && Date.now() < deadline) {
      for (let i = 0; i < 500; i++) feed.emit(status(++sent));
      await new Promise((r) => setImmediate(r));
    }
    expect(hub!.stats().dropped.slow).toBe(1);
    expect(fast.readyState).toBe(WebSocket.OPEN);
    await waitFor(() => fastGot >= sent, { timeoutMs: 20_000, what: 'the fast consumer to get every change' });
    fast.terminate();
    slow.terminate();
  });
});

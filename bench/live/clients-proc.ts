/**
 * Benchmark child: N WebSocket clients subscribed to one lot. Records, per status change (keyed
 * by its occupied count), the wall-clock time each client received it.
 */
import { WebSocket } from 'ws';

const { BENCH_WS_URL, BENCH_CLIENTS, BENCH_BATCH } = process.env;
const total = Number(BENCH_CLIENTS);
const batch = Number(BENCH_BATCH ?? 250);
const received = new Map<number, number[]>();
const sockets: WebSocket[] = [];
const now = () => performance.timeOrigin + performance.now();
const KEY = Buffer.from('"occupied":');

/** The occupied count in a status frame, read straight from the bytes. */
function occupiedOf(data: Buffer): number | null {
  let i = data.indexOf(KEY);
  if (i < 0) return null;
  let n = 0;
  for (i += KEY.length; i < data.length; i++) {
    const d = data[i]! - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    // A lean client: no compression offer, no UTF-8 check of frames we only scan for a number.
    const ws = new WebSocket(BENCH_WS_URL!, { perMessageDeflate: false, skipUTF8Validation: true });
    let first = true;
    ws.on('message', (data) => {
      const at = now();
      if (first) {
        first = false; // the snapshot on subscribe
        return resolve();
      }
      const occupied = occupiedOf(data as Buffer);
      if (occupied === null) return;
      let list = received.get(occupied);
      if (!list) received.set(occupied, (list = []));
      list.push(at);
      if (list.length === total) process.send!({ type: 'complete', occupied });
    });
    ws.once('error', reject);
    sockets.push(ws);
  });
}

const started = Date.now();
for (let i = 0; i < total; i += batch) {
  await Promise.all(Array.from({ length: Math.min(batch, total - i) }, open));
}
process.send!({ type: 'ready', connectSeconds: (Date.now() - started) / 1000 });
process.on('message', (m: { type: string }) => {
  if (m.type === 'results') process.send!({ type: 'results', received: Object.fromEntries(received) });
  if (m.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});

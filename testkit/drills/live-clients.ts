/**
 * `ws` clients of /api/v1/live that behave as an app should: subscribe on open, and on close
 * reconnect with jittered backoff (250 ms doubling to 4 s) and subscribe again. Each keeps every
 * level it was shown, with the time.
 */
import { WebSocket } from 'ws';
import { createRandom } from '../../firmware-sim/index.js';
import type { Level } from '../../protocol/index.js';

export interface Seen {
  at: number;
  level: Level;
  occupied: number;
}

export interface LiveClients {
  /** Per client, every status it received (level, occupied, when). */
  readonly seen: Seen[][];
  /** Connections opened per client (1 + reconnects). */
  readonly opens: number[];
  open(): number;
  close(): void;
}

export function createLiveClients({ wsUrl, lotId, count, seed = 1 }: { wsUrl: string; lotId: string; count: number; seed?: number }): LiveClients {
  const random = createRandom(seed);
  const seen: Seen[][] = Array.from({ length: count }, () => []);
  const opens = new Array<number>(count).fill(0);
  const sockets: Array<WebSocket | null> = new Array(count).fill(null);
  let closed = false;

  function connect(i: number, attempt: number) {
    if (closed) return;
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    sockets[i] = ws;
    let wasOpen = false;
    ws.on('open', () => {
      wasOpen = true;
      opens[i]! += 1;
      ws.send(JSON.stringify({ type: 'subscribe', lots: [lotId] }));
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; status?: { level: Level; occupied: number } };
      if (msg.type === 'status' && msg.status) seen[i]!.push({ at: Date.now(), level: msg.status.level, occupied: msg.status.occupied });
    });
    ws.on('error', () => {}); // 'close' follows
    ws.on('close', () => {
      if (closed) return;
      const next = wasOpen ? 0 : attempt + 1;
      const delay = Math.min(4000, 250 * 2 ** next) * (0.5 + random.next());
      setTimeout(() => connect(i, next), delay);
    });
  }

  return {
    seen,
    opens,
    open() {
      for (let i = 0; i < count; i++) connect(i, 0);
      return count;
    },
    close() {
      closed = true;
      for (const ws of sockets) ws?.terminate();
    },
  };
}

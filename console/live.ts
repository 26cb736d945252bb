/**
 * The console's live WebSocket: subscribes to every lot and hands each status on; reconnects with
 * backoff (1 s doubling to 30 s, with jitter).
 */
import type { LotStatus } from '../protocol/status.js';

export interface LiveOptions {
  lots: () => string[];
  onStatus(status: LotStatus): void;
  onState(live: boolean): void;
}

export function connectLive({ lots, onStatus, onState }: LiveOptions): void {
  let attempt = 0;
  const connect = () => {
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/v1/live`);
    ws.onopen = () => {
      attempt = 0;
      onState(true);
      const ids = lots();
      if (ids.length) ws.send(JSON.stringify({ type: 'subscribe', lots: ids.slice(0, 100) }));
    };
    ws.onmessage = (event) => {
      try {
        const msg = JSON.parse(String(event.data)) as { type?: string; status?: LotStatus };
        if (msg.type === 'status' && msg.status) onStatus(msg.status);
      } catch {
        // not JSON: ignore
      }
    };
    ws.onclose = () => {
      onState(false);
      const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, delay);
    };
  };
  connect();
}

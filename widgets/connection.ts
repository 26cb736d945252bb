/**
 * One live connection per API base, shared by every widget on the page: a WebSocket to
 * /api/v1/live with exponential backoff and jitter (cap 30 s) and resubscription on reconnect;
 * while the socket is down, polling GET /api/v1/lots/{lotId} every 30 s.
 */
import type { LotStatus } from '../protocol/status.js';

export type Listener = (status: LotStatus | null, error?: string) => void;

export interface Connection {
  subscribe(lotId: string, listener: Listener): () => void;
  /** True while the WebSocket is open (statuses are live). */
  readonly live: boolean;
  /** True while the latest poll answered (the fallback works). */
  readonly polling: boolean;
}

const connections = new Map<string, Connection>();
const POLL_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;

export function connectionFor(base: string): Connection {
  let c = connections.get(base);
  if (!c) connections.set(base, (c = createConnection(base)));
  return c;
}

function isStatus(v: unknown): v is LotStatus {
  const s = v as LotStatus;
  return !!s && typeof s.lotId === 'string' && typeof s.level === 'string' && typeof s.capacity === 'number' && typeof s.stale === 'boolean';
}

function createConnection(base: string): Connection {
  const listeners = new Map<string, Set<Listener>>();
  const latest = new Map<string, LotStatus>();
  let ws: WebSocket | null = null;
  let live = false;
  let polling = false;
  let attempt = 0;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  const notify = (lotId: string, status: LotStatus | null, error?: string) => {
    if (status) latest.set(lotId, status);
    for (const l of listeners.get(lotId) ?? []) l(status, error);
  };
  const send = (type: 'subscribe' | 'unsubscribe', lots: string[]) => {
    if (live && lots.length) ws!.send(JSON.stringify({ type, lots }));
  };

  async function poll() {
    const results = await Promise.all(
      [...listeners.keys()].map(async (lotId) => {
        try {
          const res = await fetch(`${base}/api/v1/lots/${encodeURIComponent(lotId)}`, { cache: 'no-store' });
          const body: unknown = await res.json();
          if (res.ok && isStatus(body)) notify(lotId, body);
          else notify(lotId, null, res.status === 404 ? 'unknown_lot' : undefined);
          return res.ok;
        } catch {
          return false;
        }
      }),
    );
    polling = results.some(Boolean);
    if (!polling) for (const lotId of listeners.keys()) notify(lotId, null); // let widgets re-check staleness
  }

  function startPolling() {
    if (pollTimer) return;
    void poll();
    pollTimer = setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
    polling = false;
  }

  function connect() {
    reconnectTimer = null;
    if (typeof WebSocket === 'undefined') return startPolling();
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/live`);
    ws = socket;
    socket.onopen = () => {
      if (!performance.getEntriesByName('manku:socket-open').length) performance.mark('manku:socket-open');
      attempt = 0;
      live = true;
      stopPolling();
      send('subscribe', [...listeners.keys()]); // the server answers with every lot's status at once
    };
    socket.onmessage = (event) => {
      let msg: { type?: string; status?: unknown; code?: string; message?: string; lots?: string[] };
      try {
        msg = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (msg.type === 'status' && isStatus(msg.status)) notify(msg.status.lotId, msg.status);
      // The error names its lots in a field: searching the message text would match lot "a" in "a-b".
      else if (msg.type === 'error' && msg.code === 'unknown_lot') {
        for (const lotId of msg.lots ?? []) if (listeners.has(lotId)) notify(lotId, null, 'unknown_lot');
      }
    };
    socket.onclose = () => {
      const wasLive = live;
      live = false;
      ws = null;
      if (!wasLive || attempt > 0) startPolling();
      for (const lotId of listeners.keys()) notify(lotId, null);
      const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  return {
    subscribe(lotId, listener) {
      let set = listeners.get(lotId);
      const isNew = !set;
      if (!set) listeners.set(lotId, (set = new Set()));
      set.add(listener);
      const known = latest.get(lotId);
      if (known) listener(known);
      if (!ws && !reconnectTimer) connect();
      else if (isNew) send('subscribe', [lotId]);
      if (isNew && pollTimer) void poll();
      return () => {
        set!.delete(listener);
        if (set!.size === 0) {
          listeners.delete(lotId);
          send('unsubscribe', [lotId]);
        }
      };
    },
    get live() {
      return live;
    },
    get polling() {
      return polling;
    },
  };
}

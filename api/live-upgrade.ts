/**
 * The WebSocket upgrade for `GET /api/v1/live`, handled on the HTTP server's 'upgrade' event:
 * Origin check, then the `ws` server, then the hub. Going straight to `ws` (rather than through
 * the router) keeps nothing of the HTTP request alive per connection: about 7 KiB each.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import pino, { type Logger } from 'pino';
import { errorBody } from './errors.js';
import type { LiveHub } from './live-hub.js';
import { addressKey } from './client-address.js';
import type { UpgradeLimits } from './upgrade-limits.js';

export const LIVE_PATH = '/api/v1/live';

/**
 * Browsers always send Origin on a WebSocket handshake (RFC 6455 §4.1), so the check keeps foreign
 * pages from using a visitor's browser. A client without Origin is no browser (a MaaS backend,
 * wscat) and could send any Origin it liked: refusing it would protect nothing.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || allowed.includes('*')) return true;
  return allowed.includes(origin);
}

function refuse(socket: Duplex, status: number, reason: string, message: string, retryAfterS?: number) {
  const body = JSON.stringify(errorBody(reason, message));
  const retry = retryAfterS === undefined ? '' : `Retry-After: ${retryAfterS}\r\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n${retry}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export interface LiveUpgradeOptions {
  wss: WebSocketServer;
  hub: LiveHub;
  allowedOrigins: readonly string[];
  logger?: Logger;
  /** The client's address (TRUST_PROXY aware); default the TCP peer's. */
  addressOf?: (req: IncomingMessage) => string;
  /** Upgrades per second (none: unlimited). */
  limits?: UpgradeLimits;
  now?: () => number;
  /** Told of every upgrade refused with 429, by kind. */
  onLimited?: (kind: 'ws_upgrade' | 'ws_upgrade_global' | 'ws_connections') => void;
}

export function attachLiveUpgrade(
  server: Server,
  { wss, hub, allowedOrigins, logger = pino({ level: 'silent' }), addressOf = (req) => req.socket.remoteAddress ?? '', limits, now = Date.now, onLimited }: LiveUpgradeOptions,
) {
  const log = logger.child({ component: 'live' });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A peer that resets mid-handshake is no fault of ours: worth a debug line, not a crash.
    socket.on('error', (err) => log.debug({ err: err.message, address: req.socket.remoteAddress }, 'live upgrade socket error'));
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== LIVE_PATH) return refuse(socket, 404, 'not_found', `WebSocket upgrades are served at ${LIVE_PATH} only`);
    const address = addressOf(req);
    const limited = limits?.check(address, now());
    if (limited) {
      onLimited?.(limited.kind);
      return refuse(socket, 429, 'too_many_upgrades', limited.message, limited.retryAfterS);
    }
    if (!originAllowed(req.headers.origin, allowedOrigins)) {
      return refuse(socket, 403, 'origin_not_allowed', 'this Origin is not in ALLOWED_ORIGINS');
    }
    if (!hub.running) return refuse(socket, 503, 'not_ready', 'the live hub is not running');
    const key = addressKey(address);
    if (!hub.accepts(key)) {
      onLimited?.('ws_connections');
      return refuse(socket, 429, 'too_many_connections', 'this address holds as many live connections as it may; close some, or share one socket between widgets', 5);
    }
    const lots = (url.searchParams.get('lots') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, lots, req.socket, key));
  });
}

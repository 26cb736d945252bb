/**
 * Slow-client limits of the HTTP server (slowloris): a request's headers must arrive within
 * `headersTimeoutMs` and the whole request within `requestTimeoutMs`, or Node answers 408 and
 * closes the connection. Node checks every `checkIntervalMs` (its default, 30 s, would let a
 * slow client hold a socket that much longer). WebSocket connections are no longer requests
 * once upgraded and are not affected.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from './errors.js';

export interface HttpLimitsOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** How often Node looks for expired requests. */
  checkIntervalMs?: number;
  /** Keep-alive idle time; above clients' own (undici 4 s, proxies and browsers ~60 s), so no client reuses a socket as we close it. */
  keepAliveTimeoutMs?: number;
  /** Told of each request Node closed for being too slow. */
  onTimeout?: () => void;
}

/** Node's answers to a client error (lib/_http_server.js socketOnError), with our JSON error body. */
function answer(code: string | undefined): string {
  const [status, text, errCode, message] =
    code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request_timeout', 'the request did not arrive in time; send it whole, promptly']
      : code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request headers are too large']
        : [400, 'Bad Request', 'bad_request', 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(errCode, message));
  return `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Call right after the server is created, before it is listening (Node starts its checker on 'listening'). */
export function applyHttpLimits(
  server: Server,
  { headersTimeoutMs, requestTimeoutMs, checkIntervalMs = Math.max(100, Math.min(1000, headersTimeoutMs / 4)), keepAliveTimeoutMs = 65_000, onTimeout }: HttpLimitsOptions,
) {
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = checkIntervalMs;
  // A 'clientError' listener replaces Node's default answer, so it is reproduced here: an error
  // response unless one is already on its way, then the socket is destroyed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') onTimeout?.();
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent && err.code !== 'ECONNRESET') socket.write(answer(err.code));
    socket.destroy(err);
  });
}

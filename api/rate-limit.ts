/**
 * Per-address REST rate limit (token bucket per client address, bounded table): past it, 429 with
 * `Retry-After` and the usual error body. Health, readiness and metrics are never limited: probes
 * and scrapers must see the truth, however busy the API is.
 */
import type { MiddlewareHandler } from 'hono';
import { createKeyedLimiter } from '../core/index.js';
import { addressKey } from './client-address.js';
import { fail } from './errors.js';

export interface RateLimitOptions {
  /** Requests per second per address (sustained); 0 turns the limit off. */
  perSecond: number;
  /** Requests one address may send at once. */
  burst: number;
  /** Addresses tracked at once (bounds memory). */
  maxAddresses: number;
  /** The client address of a request (see client-address.ts). */
  addressOf: (c: Parameters<MiddlewareHandler>[0]) => string;
  now: () => number;
  /** Told of every refused request. */
  onLimited?: () => void;
}

export const UNLIMITED_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics'];

export function rateLimit({ perSecond, burst, maxAddresses, addressOf, now, onLimited }: RateLimitOptions): MiddlewareHandler {
  if (perSecond <= 0) return (_c, next) => next();
  const limiter = createKeyedLimiter({ perSecond, burst, maxKeys: maxAddresses });
  return async function rateLimit(c, next) {
    if (UNLIMITED_PATHS.includes(c.req.path) || limiter.take(addressKey(addressOf(c)), now())) return next();
    onLimited?.();
    c.header('Retry-After', String(limiter.retryAfterS));
    return fail(c, 429, 'rate_limited', `at most ${perSecond} requests a second from one address (bursts of ${burst}); retry after ${limiter.retryAfterS} s`);
  };
}

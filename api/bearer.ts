/** Bearer-token checks for protected routes (the metrics endpoint, ADMIN_TOKEN; see docs/operations.md). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { fail } from './errors.js';

/** Constant-time comparison of `Bearer <token>` (hashing first makes the lengths equal). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = createHash('sha256').update(m[1]!.trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export interface RequireBearerOptions {
  token: string;
  /** The `WWW-Authenticate` realm. */
  realm?: string;
  /** Names the setting in the 401 message, e.g. `METRICS_TOKEN`. */
  setting?: string;
}

/**
 * 401 with the usual error body unless the request carries `Authorization: Bearer <token>`.
 * @example app.use('/metrics', requireBearer({ token: env.METRICS_TOKEN, realm: 'manku metrics', setting: 'METRICS_TOKEN' }))
 */
export function requireBearer({ token, realm = 'manku', setting = 'the token' }: RequireBearerOptions): MiddlewareHandler {
  return async function requireBearer(c, next) {
    if (bearerMatches(c.req.header('authorization'), token)) return next();
    c.header('WWW-Authenticate', `Bearer realm="${realm}"`);
    return fail(c, 401, 'unauthorized', `send Authorization: Bearer <${setting}>`);
  };
}

/** Bearer-token checks for protected routes (the metrics endpoint; see docs/operations.md). */
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
 * Admin routes: 403 while no ADMIN_TOKEN is set (they are off by default), else 401 without it.
 * @example app.use('/api/v1/lots/:lotId/calibration', requireAdmin(env.ADMIN_TOKEN))
 */
export function requireAdmin(adminToken: string | undefined): MiddlewareHandler {
  if (!adminToken) {
    return async (c) => fail(c, 403, 'admin_disabled', 'admin routes are disabled: set ADMIN_TOKEN on the API to enable them');
  }
  return requireBearer({ token: adminToken, realm: 'manku admin', setting: 'ADMIN_TOKEN' });
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

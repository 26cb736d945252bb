/**
 * Admin routes: who may call them, and an audit line for every call.
 *
 * A request is an operator's when its bearer token is ADMIN_TOKEN, or an access token from the
 * OpenID Connect provider that marks an operator (oidc-verifier.ts); either is accepted when both
 * are configured. Off (403) while neither is. Each admin action is logged with who did it, the
 * lot, the action and the result; refused attempts are logged too (rate-limited).
 */
import type { Context, MiddlewareHandler } from 'hono';
import pino, { type Logger } from 'pino';
import { createRateGate } from '../core/index.js';
import { bearerMatches } from './bearer.js';
import { fail } from './errors.js';
import type { OidcVerifier } from './oidc-verifier.js';
import type { Operator } from './operator-claims.js';

export interface AdminAuthOptions {
  adminToken?: string;
  oidc?: Pick<OidcVerifier, 'verify'> | null;
  logger?: Logger;
  /** The client address, for the log of refused attempts. */
  addressOf?: (c: Context) => string;
  now?: () => number;
}

const REALM = 'manku admin';

/** The response body, for the audit line (admin answers are small JSON). */
async function resultOf(res: Response): Promise<unknown> {
  try {
    return await res.clone().json();
  } catch {
    return null;
  }
}

/**
 * Returns a middleware factory: one per admin route, named by its action.
 * @example app.use('/api/v1/lots/:lotId/calibration', admin('calibration'))
 */
export function createAdminAuth({ adminToken, oidc = null, logger = pino({ level: 'silent' }), addressOf = () => '', now = Date.now }: AdminAuthOptions) {
  const log = logger.child({ component: 'admin' });
  const refusals = createRateGate({ perWindow: 20, windowMs: 60_000 });

  function refuse(c: Context, action: string, status: 401 | 403 | 503, code: string, message: string) {
    const gate = refusals.check('refused', now());
    if (gate.pass) {
      log.warn({ action, lotId: c.req.param('lotId'), address: addressOf(c), status, code, message, ...(gate.suppressed ? { suppressed: gate.suppressed } : {}) }, 'admin request refused');
    }
    if (status === 401) c.header('WWW-Authenticate', `Bearer realm="${REALM}"${code === 'invalid_token' ? ', error="invalid_token"' : ''}`);
    if (status === 403 && code === 'not_operator') c.header('WWW-Authenticate', `Bearer realm="${REALM}", error="insufficient_scope"`);
    if (status === 503) c.header('Retry-After', '10');
    return fail(c, status, code, message);
  }

  async function identify(c: Context, action: string): Promise<Operator | Response> {
    const header = c.req.header('authorization');
    const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim(); // as bearerMatches reads it
    if (!token) return refuse(c, action, 401, 'unauthorized', `send Authorization: Bearer <${adminToken ? 'ADMIN_TOKEN' : ''}${adminToken && oidc ? ' or ' : ''}${oidc ? 'an access token from the OpenID Connect provider' : ''}>`);
    if (adminToken && bearerMatches(header, adminToken)) return { via: 'admin-token' };
    if (!oidc) return refuse(c, action, 401, 'unauthorized', 'wrong bearer token: send Authorization: Bearer <ADMIN_TOKEN>');
    const verdict = await oidc.verify(token);
    return verdict.ok ? verdict.operator : refuse(c, action, verdict.status, verdict.code, verdict.message);
  }

  /** `audit: false` for reads (the gates view a console polls): refusals are still logged, answers are not. */
  return function admin(action: string, { audit = true }: { audit?: boolean } = {}): MiddlewareHandler {
    if (!adminToken && !oidc) {
      return async (c) =>
        fail(c, 403, 'admin_disabled', 'admin routes are disabled: set ADMIN_TOKEN, or ADMIN_OIDC_ISSUER and ADMIN_OIDC_AUDIENCE, on the API to enable them');
    }
    return async function adminAuth(c, next) {
      const operator = await identify(c, action);
      if (operator instanceof Response) return operator;
      await next();
      if (!audit) return;
      const { lotId, sensorId } = c.req.param() as Record<string, string | undefined>;
      log.info({ action, lotId, ...(sensorId ? { sensorId } : {}), operator, status: c.res.status, result: await resultOf(c.res) }, 'admin action');
    };
  };
}

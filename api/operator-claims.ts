/**
 * Who an admin token belongs to, and whether it marks an operator: pure reads of a verified JWT's
 * claims (no I/O).
 */
import type { JWTPayload } from 'jose';

/** The person (or machine) behind an admin request, as logged with every admin action. */
export type Operator =
  | { via: 'oidc'; sub: string; username?: string; email?: string }
  | { via: 'admin-token' };

/**
 * The claim at `path`: the top-level claim of that exact name if there is one (Auth0-style
 * namespaced claims such as `https://example.jp/roles` contain dots), else the dotted path
 * (`realm_access.roles`, Keycloak; `resource_access.manku.roles`).
 */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let at: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** True when the claim holds `role`: an array of strings, or a space-separated string (like OAuth `scope`). */
export function claimHolds(value: unknown, role: string): boolean {
  if (Array.isArray(value)) return value.some((v) => v === role);
  if (typeof value === 'string') return value.split(/\s+/).includes(role);
  return false;
}

const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : undefined);

/** The operator named by a verified token (`sub` is required by the verifier). */
export function operatorOf(payload: JWTPayload): Operator {
  const username = text(payload.preferred_username);
  const email = text(payload.email);
  return { via: 'oidc', sub: String(payload.sub), ...(username ? { username } : {}), ...(email ? { email } : {}) };
}

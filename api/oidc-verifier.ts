/**
 * Operators' access tokens from the city's OpenID Connect provider, verified with `jose`:
 * the provider's keys come from its discovery document (`/.well-known/openid-configuration` ->
 * `jwks_uri`); a token's signature (asymmetric algorithms only), `iss`, `aud`, `exp` and `nbf`
 * (within a bounded clock tolerance) are checked, then the claim that marks an operator.
 *
 * A provider that cannot be reached is no reason to refuse a token as invalid: the verdict is
 * then 503 (the operator may retry, or use ADMIN_TOKEN), and the provider is not asked again for
 * `retryMs`, so a burst of admin requests cannot hammer a provider that is down.
 */
import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { claimAt, claimHolds, operatorOf, type Operator } from './operator-claims.js';

/** Asymmetric signatures only: never `none`, never HS* (an HMAC "signed" with a public key is the classic forgery). */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export interface OidcOptions {
  /** The issuer URL exactly as in the tokens' `iss`, e.g. `https://id.city.example.jp/realms/city`. */
  issuer: string;
  /** The `aud` manku's tokens carry. */
  audience: string;
  /** The claim that marks an operator: a name or a dotted path (`realm_access.roles`). */
  roleClaim?: string;
  /** The value it must hold. */
  role?: string;
  /** Clock difference tolerated on `exp`, `nbf` and `iat`. */
  clockToleranceS?: number;
  /** A token with an unknown `kid` refetches the key set, at most this often (key rotation). */
  jwksCooldownMs?: number;
  /** After the provider could not be reached, admin requests get 503 this long before it is asked again. */
  retryMs?: number;
  fetchTimeoutMs?: number;
  now?: () => number;
}

export type OidcVerdict =
  | { ok: true; operator: Operator }
  | { ok: false; status: 401 | 403 | 503; code: string; message: string };

export interface OidcVerifier {
  /** Fetches the discovery document now (optional: `verify` does it on first use); resolves with an error message or null. */
  discover(): Promise<string | null>;
  verify(token: string): Promise<OidcVerdict>;
}

const Discovery = z.looseObject({ issuer: z.string(), jwks_uri: z.url({ protocol: /^https?$/ }) });

/** OpenID Connect Discovery 1.0 §4: the issuer with any trailing slash removed, plus the well-known path. */
export const discoveryUrl = (issuer: string) => `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;

/** jose is loaded on first use: a deployment without OpenID Connect (and every CLI command) does not pay for it at start. */
let joseModule: Promise<typeof import('jose')> | null = null;
const jose = () => (joseModule ??= import('jose'));

/** jose errors that mean the provider (not the token) is at fault. */
const PROVIDER_ERRORS = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

export function createOidcVerifier({
  issuer,
  audience,
  roleClaim = 'roles',
  role = 'manku-admin',
  clockToleranceS = 30,
  jwksCooldownMs = 30_000,
  retryMs = 10_000,
  fetchTimeoutMs = 5000,
  now = Date.now,
}: OidcOptions): OidcVerifier {
  let keys: JWTVerifyGetKey | null = null;
  let pending: Promise<JWTVerifyGetKey> | null = null;
  let down: { untilMs: number; reason: string } | null = null;

  async function fetchKeys(): Promise<JWTVerifyGetKey> {
    const url = discoveryUrl(issuer);
    const res = await fetch(url, { signal: AbortSignal.timeout(fetchTimeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    const doc = Discovery.safeParse(await res.json().catch(() => null));
    if (!doc.success) throw new Error(`${url} is no discovery document: ${z.prettifyError(doc.error)}`);
    // §4.3: the document's issuer must be identical to the one it was fetched for.
    if (doc.data.issuer !== issuer) throw new Error(`${url} names issuer "${doc.data.issuer}", not "${issuer}"`);
    const { createRemoteJWKSet } = await jose();
    return createRemoteJWKSet(new URL(doc.data.jwks_uri), { cooldownDuration: jwksCooldownMs, timeoutDuration: fetchTimeoutMs });
  }

  function keySet(): Promise<JWTVerifyGetKey> {
    if (keys) return Promise.resolve(keys);
    pending ??= fetchKeys()
      .then((k) => (keys = k))
      .finally(() => (pending = null));
    return pending;
  }

  function unavailable(err: unknown): OidcVerdict {
    const cause = (err as Error & { cause?: Error }).cause?.message;
    const reason = `${(err as Error).message}${cause ? ` (${cause})` : ''}`;
    down = { untilMs: now() + retryMs, reason };
    keys = null; // discover again next time: the provider may have moved its keys
    return refusedForOutage();
  }

  const refusedForOutage = (): OidcVerdict => ({
    ok: false,
    status: 503,
    code: 'oidc_unavailable',
    message: `cannot reach the OpenID Connect provider ${issuer} to check the token: ${down?.reason}; try again shortly (ADMIN_TOKEN still works)`,
  });

  const invalid = (message: string): OidcVerdict => ({ ok: false, status: 401, code: 'invalid_token', message: `invalid admin token: ${message}` });

  return {
    async discover() {
      try {
        await keySet();
        return null;
      } catch (err) {
        unavailable(err);
        return down!.reason;
      }
    },
    async verify(token) {
      const { decodeProtectedHeader, errors, jwtVerify } = await jose();
      // The token's shape and algorithm first: a forgery is refused without asking the provider.
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return invalid('not a JWT (send ADMIN_TOKEN or an access token from the OpenID Connect provider)');
      }
      if (!(OIDC_ALGORITHMS as readonly string[]).includes(alg ?? '')) return invalid(`algorithm "${alg}" is not accepted (${OIDC_ALGORITHMS.join(', ')})`);
      if (down && now() < down.untilMs) return refusedForOutage();
      try {
        const { payload } = await jwtVerify(token, await keySet(), {
          issuer,
          audience,
          algorithms: [...OIDC_ALGORITHMS],
          clockTolerance: clockToleranceS,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'sub'],
        });
        down = null;
        if (!claimHolds(claimAt(payload, roleClaim), role)) {
          return { ok: false, status: 403, code: 'not_operator', message: `the token's "${roleClaim}" claim does not include "${role}": its holder is no manku operator` };
        }
        return { ok: true, operator: operatorOf(payload) };
      } catch (err) {
        if (err instanceof errors.JOSEError && !PROVIDER_ERRORS.has(err.code)) return invalid(err.message);
        return unavailable(err);
      }
    },
  };
}

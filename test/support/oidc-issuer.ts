/**
 * A local OpenID Connect provider for tests: an HTTP server on 127.0.0.1 (port 0) serving the
 * discovery document and a JWKS of keys generated here, and signing tokens with them. Keys can be
 * rotated and the provider taken down (connections reset), as a real one can be.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface TestIssuer {
  issuer: string;
  /** Keys published in the JWKS (replace to rotate). */
  published: SigningKey[];
  /** While false, every connection is reset (the provider is down). */
  up: boolean;
  /** Requests served, by path. */
  hits: Record<string, number>;
  /** A signed token: sub, aud, iss, iat/exp from `nowS` unless overridden; `roles` holds manku-admin unless overridden. */
  token(claims?: JWTPayload, key?: SigningKey, header?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export async function startIssuer({ audience, keys }: { audience: string; keys: SigningKey[] }): Promise<TestIssuer> {
  let issuer = '';
  const state: Pick<TestIssuer, 'published' | 'up' | 'hits'> = { published: keys, up: true, hits: {} };
  const server: Server = createServer((req, res) => {
    if (!state.up) return void req.socket.destroy();
    const path = req.url ?? '/';
    state.hits[path] = (state.hits[path] ?? 0) + 1;
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/.well-known/openid-configuration') return json({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    if (path === '/jwks') return json({ keys: state.published.map((k) => k.jwk) });
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    issuer,
    async token(claims: JWTPayload = {}, key = state.published[0]!, header: Record<string, unknown> = {}) {
      const nowS = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: 'op-1', roles: ['manku-admin'], iss: issuer, aud: audience, iat: nowS, exp: nowS + 300, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
        .sign(key.privateKey);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** The API's operator sign-in and abuse-limit variables (issue 12): defaults, checks, and their documentation. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiSecurityOf, Env, loadEnv } from '../../bin/config.js';

describe('API security settings', () => {
  it('default to generous limits, timeouts, and no OpenID Connect', () => {
    expect(apiSecurityOf(loadEnv({}))).toEqual({
      adminOidc: undefined,
      trustProxy: [],
      rateLimit: { perSecond: 50, burst: 500, maxAddresses: 50_000 },
      upgradeLimits: { perSecond: 1000, burst: 2000, perAddressPerSecond: 20, burstPerAddress: 100, maxAddresses: 50_000 },
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 30_000,
      handlerTimeoutMs: 20_000,
    });
  });

  it('take the provider, audience, role claim and tolerances', () => {
    const env = loadEnv({
      ADMIN_OIDC_ISSUER: 'https://id.city.example.jp/realms/city',
      ADMIN_OIDC_AUDIENCE: 'manku-api',
      ADMIN_OIDC_ROLE_CLAIM: 'realm_access.roles',
      ADMIN_OIDC_CLOCK_TOLERANCE_S: '10',
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
      HTTP_RATE_LIMIT_PER_S: '0',
    });
    expect(apiSecurityOf(env)).toMatchObject({
      adminOidc: { issuer: 'https://id.city.example.jp/realms/city', audience: 'manku-api', roleClaim: 'realm_access.roles', role: 'manku-admin', clockToleranceS: 10, jwksCooldownMs: 30_000 },
      trustProxy: ['127.0.0.1', '10.0.0.0/8'],
      rateLimit: { perSecond: 0 },
    });
  });

  it('refuse what cannot work, naming the variable', () => {
    expect(() => loadEnv({ ADMIN_OIDC_ISSUER: 'http://id.city.example.jp' })).toThrow(/ADMIN_OIDC_ISSUER: use https/);
    expect(() => loadEnv({ ADMIN_OIDC_ISSUER: 'http://127.0.0.1:9000' })).not.toThrow();
    expect(() => apiSecurityOf(loadEnv({ ADMIN_OIDC_ISSUER: 'https://id.example.jp' }))).toThrow(/ADMIN_OIDC_ISSUER and ADMIN_OIDC_AUDIENCE together/);
    expect(() => apiSecurityOf(loadEnv({ ADMIN_OIDC_AUDIENCE: 'manku' }))).toThrow(/together/);
    expect(() => loadEnv({ TRUST_PROXY: 'proxy.example' })).toThrow(/TRUST_PROXY: "proxy.example" is no IP address/);
    expect(() => loadEnv({ ADMIN_OIDC_CLOCK_TOLERANCE_S: '3600' })).toThrow(/ADMIN_OIDC_CLOCK_TOLERANCE_S/);
    expect(() => apiSecurityOf(loadEnv({ HTTP_HEADERS_TIMEOUT_MS: '40000' }))).toThrow(/HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS/);
  });
});

describe('docs/configuration.md', () => {
  it('lists every environment variable', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(Object.keys(Env.shape).filter((name) => !doc.includes(`| \`${name}\` |`))).toEqual([]);
  });
});

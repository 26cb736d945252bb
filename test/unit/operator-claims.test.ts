/** The claim that marks an operator, and who the token names: pure reads of a verified token's claims. */
import { describe, expect, it } from 'vitest';
import { claimAt, claimHolds, operatorOf } from '../../api/operator-claims.js';
import { discoveryUrl } from '../../api/oidc-verifier.js';

describe('operator claims', () => {
  it('reads a claim by name, by dotted path (Keycloak), or by a name that contains dots (Auth0 namespaces)', () => {
    const payload = {
      roles: ['manku-admin'],
      realm_access: { roles: ['offline_access', 'manku-admin'] },
      resource_access: { manku: { roles: ['manku-admin'] } },
      'https://city.example.jp/roles': ['manku-admin'],
      scope: 'openid manku-admin',
    };
    expect(claimAt(payload, 'roles')).toEqual(['manku-admin']);
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['offline_access', 'manku-admin']);
    expect(claimAt(payload, 'resource_access.manku.roles')).toEqual(['manku-admin']);
    expect(claimAt(payload, 'https://city.example.jp/roles')).toEqual(['manku-admin']);
    expect(claimAt(payload, 'realm_access.nope.roles')).toBeUndefined();
    expect(claimAt(payload, 'roles.0')).toBeUndefined(); // no indexing into arrays
    expect(claimAt({ a: null }, 'a.b')).toBeUndefined();
    expect(claimAt({}, 'constructor')).toBeUndefined(); // own claims only
  });

  it('holds a role in an array or a space-separated string, and nothing else', () => {
    expect(claimHolds(['a', 'manku-admin'], 'manku-admin')).toBe(true);
    expect(claimHolds('openid manku-admin', 'manku-admin')).toBe(true);
    expect(claimHolds('manku-administrator', 'manku-admin')).toBe(false);
    expect(claimHolds(['manku-admins'], 'manku-admin')).toBe(false);
    expect(claimHolds({ 'manku-admin': true }, 'manku-admin')).toBe(false);
    expect(claimHolds(undefined, 'manku-admin')).toBe(false);
  });

  it('names the operator by sub, with username and email when present', () => {
    expect(operatorOf({ sub: 'u-1', preferred_username: 'tanaka', email: 'tanaka@city.example.jp' })).toEqual({
      via: 'oidc',
      sub: 'u-1',
      username: 'tanaka',
      email: 'tanaka@city.example.jp',
    });
    expect(operatorOf({ sub: 'svc-1', email: 42 })).toEqual({ via: 'oidc', sub: 'svc-1' });
  });

  it('finds the discovery document under the issuer, with or without a trailing slash', () => {
    expect(discoveryUrl('https://id.example.jp/realms/city')).toBe('https://id.example.jp/realms/city/.well-known/openid-configuration');
    expect(discoveryUrl('https://id.example.jp/')).toBe('https://id.example.jp/.well-known/openid-configuration');
  });
});

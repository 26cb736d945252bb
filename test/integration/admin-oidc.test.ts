/**
 * Operators sign in with OpenID Connect: a local provider (discovery document and JWKS on
 * loopback, keys generated here) and the real stack (broker, ingest, API); every admin action
 * logged with who did it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportSPKI, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, type Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { nodeArgs } from '../../testkit/entry-points.js';
import { waitFor } from '../../testkit/wait.js';
import { startIssuer, signingKey, type SigningKey, type TestIssuer } from '../support/oidc-issuer.js';
import { startApi, startBroker, startIngest, testLots } from '../support/stack.js';

const AUDIENCE = 'manku-api';
const ADMIN_TOKEN = 'oidc-test-admin-token-0123456789';
const run = promisify(execFile);

let lots: LotsFile;
let broker: Broker;
let url: string;
let ingest: Ingest;
let issuer: TestIssuer;
let rsa: SigningKey;
let ec: SigningKey;
let api: Api;
let base: string;
const logLines: Array<Record<string, any>> = [];
const stopLater: Array<() => Promise<unknown>> = [];

/** A logger whose JSON lines the test reads. */
const capturingLogger = (into: Array<Record<string, any>>) => pino({ level: 'info' }, { write: (line: string) => void into.push(JSON.parse(line)) });

beforeAll(async () => {
  [rsa, ec] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256')]);
  issuer = await startIssuer({ audience: AUDIENCE, keys: [rsa, ec] });
  lots = await testLots({ capacity: 100 });
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-oidc-')) }), undefined, 'oidc-ingest');
  ({ api, base } = await startApi(lots, url, undefined, {
    adminToken: ADMIN_TOKEN,
    adminOidc: { issuer: issuer.issuer, audience: AUDIENCE, jwksCooldownMs: 0, retryMs: 100 },
    logger: capturingLogger(logLines),
  }));
});
afterAll(async () => {
  for (const stop of stopLater) await stop();
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
  await issuer?.stop();
});

const calibrate = (auth: string | null, occupied = 3, target = base) =>
  fetch(`${target}/api/v1/lots/lot-a/calibration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify({ occupied }),
  });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const nowS = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('admin routes with OpenID Connect', () => {
  it("accept an operator's access token and log the action with who did it", async () => {
    const token = await issuer.token({ sub: 'op-42', preferred_username: 'tanaka', email: 'tanaka@city.example.jp' });
    const res = await calibrate(token, 7);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ lotId: 'lot-a', occupied: 7 });
    const line = logLines.find((l) => l.msg === 'admin action' && l.operator?.sub === 'op-42');
    expect(line).toMatchObject({
      action: 'calibration',
      lotId: 'lot-a',
      operator: { via: 'oidc', sub: 'op-42', username: 'tanaka', email: 'tanaka@city.example.jp' },
      status: 200,
      result: { lotId: 'lot-a', occupied: 7 },
    });
    expect(JSON.stringify(logLines)).not.toContain(token);
  });

  it('accept other asymmetric algorithms the provider publishes (ES256), and ADMIN_TOKEN beside them', async () => {
    expect((await calibrate(await issuer.token({}, ec), 4)).status).toBe(200);
    expect((await calibrate(ADMIN_TOKEN, 5)).status).toBe(200);
    expect(logLines.findLast((l) => l.msg === 'admin action')).toMatchObject({ operator: { via: 'admin-token' }, lotId: 'lot-a', status: 200 });
  });

  it('tolerate a bounded clock difference only', async () => {
    expect((await calibrate(await issuer.token({ exp: nowS() - 10 }))).status).toBe(200); // within 30 s
    expect((await calibrate(await issuer.token({ nbf: nowS() + 10 }))).status).toBe(200);
  });

  it.each([
    ['expired', () => issuer.token({ exp: nowS() - 120 }), /"exp"/],
    ['not yet valid', () => issuer.token({ nbf: nowS() + 120 }), /"nbf"/],
    ['for another audience', () => issuer.token({ aud: 'another-app' }), /"aud"/],
    ['from another issuer', () => issuer.token({ iss: 'https://evil.example' }), /"iss"/],
    ['without exp', () => issuer.token({ exp: undefined }), /"exp"/],
    ['signed by a key the provider never published', async () => issuer.token({}, await signingKey('rogue-1', 'ES256')), /no applicable key|matching/i],
    ['with a forged signature', async () => (await issuer.token()).replace(/\.[^.]+$/, `.${'A'.repeat(342)}`), /signature/],
    ['with alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', roles: ['manku-admin'], iss: issuer.issuer, aud: AUDIENCE, exp: nowS() + 300 })}.`, /"none"/],
    [
      'HS256-signed with the provider\'s public key',
      async () =>
        new SignJWT({ sub: 'x', roles: ['manku-admin'], iss: issuer.issuer, aud: AUDIENCE, exp: nowS() + 300 })
          .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
          .sign(new TextEncoder().encode(await exportSPKI(rsa.publicKey))),
      /"HS256"/,
    ],
    ['that is no JWT', async () => 'not-a-jwt-and-not-the-admin-token', /not a JWT/],
  ])('refuse a token %s with 401', async (_what, make, message) => {
    const res = await calibrate(await make());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/Bearer realm="manku admin"/);
    expect(await errorOf(res)).toMatchObject({ code: expect.stringMatching(/invalid_token|unauthorized/), message });
  });

  it("refuse a valid token whose holder is no operator with 403 (RFC 6750 insufficient_scope)", async () => {
    const res = await calibrate(await issuer.token({ roles: ['viewer'] }));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect(await errorOf(res)).toMatchObject({ code: 'not_operator', message: expect.stringMatching(/"roles".*"manku-admin"/) });
    expect(logLines.some((l) => l.msg === 'admin request refused' && l.code === 'not_operator' && l.lotId === 'lot-a')).toBe(true);
  });

  it('follow a key rotation: a new kid refetches the key set, the removed key stops working', async () => {
    const old = await issuer.token();
    const next = await signingKey('ec-2', 'ES256');
    issuer.published = [next, ec];
    const before = issuer.hits['/jwks'] ?? 0;
    expect((await calibrate(await issuer.token({}, next), 8)).status).toBe(200);
    expect(issuer.hits['/jwks']).toBe(before + 1);
    expect((await calibrate(old)).status).toBe(401);
    issuer.published = [rsa, ec];
  });

  it('work from the admin CLI with ADMIN_BEARER', async () => {
    const token = await issuer.token({ sub: 'op-cli', preferred_username: 'sato' });
    const cli = await run(process.execPath, nodeArgs('manku', ['reset-sensor', 'lot-a', 'gate-a1']), {
      env: { ...process.env, ADMIN_BEARER: token, ADMIN_TOKEN: '', API_URL: base },
    });
    expect(JSON.parse(cli.stdout)).toMatchObject({ lotId: 'lot-a', sensorId: 'gate-a1' });
    expect(logLines.find((l) => l.msg === 'admin action' && l.operator?.sub === 'op-cli')).toMatchObject({ action: 'sensor-reset', sensorId: 'gate-a1', status: 200 });
  }, 90_000); // starts the CLI as a process: slow on a loaded machine
});

describe('an OpenID Connect provider that is down', () => {
  it('leaves the API up: public routes answer, admin tokens get 503 (not 401), ADMIN_TOKEN works, and it recovers', async () => {
    const down = await startIssuer({ audience: AUDIENCE, keys: [rsa] });
    stopLater.push(() => down.stop());
    down.up = false;
    const lines: Array<Record<string, any>> = [];
    const { api: second, base: secondBase } = await startApi(lots, url, undefined, {
      adminToken: ADMIN_TOKEN,
      adminOidc: { issuer: down.issuer, audience: AUDIENCE, retryMs: 200 },
      logger: capturingLogger(lines),
    });
    stopLater.push(() => second.stop());
    await waitFor(() => lines.some((l) => l.msg.startsWith('OpenID Connect provider unreachable')), { what: 'the discovery failure logged' });
    expect((await fetch(`${secondBase}/api/v1/lots/lot-a`)).status).toBe(200);

    const res = await calibrate(await down.token(), 3, secondBase);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(await errorOf(res)).toMatchObject({ code: 'oidc_unavailable', message: expect.stringContaining(down.issuer) });
    expect((await calibrate(ADMIN_TOKEN, 3, secondBase)).status).toBe(200);

    down.up = true;
    const token = await down.token();
    await waitFor(async () => (await calibrate(token, 3, secondBase)).status === 200, { what: 'admin tokens accepted once the provider is back' });
  });
});

describe('the key set refetch on an unknown kid', () => {
  it('is rate-limited by the cooldown, so forged kids cannot make us hammer the provider', async () => {
    const verifier = createOidcVerifier({ issuer: issuer.issuer, audience: AUDIENCE, jwksCooldownMs: 60_000 });
    expect(await verifier.verify(await issuer.token())).toMatchObject({ ok: true });
    const before = issuer.hits['/jwks'] ?? 0;
    for (let i = 0; i < 5; i++) {
      expect(await verifier.verify(await issuer.token({}, await signingKey(`unknown-${i}`, 'ES256')))).toMatchObject({ ok: false, status: 401 });
    }
    expect(issuer.hits['/jwks']).toBe(before); // fetched moments ago: within the cooldown, no refetch
  });
});

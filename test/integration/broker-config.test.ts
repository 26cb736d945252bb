/**
 * The CLI that prepares external brokers (issue 9): `manku hash-password --format` and `manku
 * broker-config`, run as an operator runs them, and our `$7$` checked against the real
 * `mosquitto_passwd` in both directions.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../broker/index.js';
import { nodeArgs } from '../../testkit/entry-points.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const manku = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, nodeArgs('manku', args), { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'manku-broker-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('our mosquitto hashes and mosquitto_passwd agree', () => {
  it('a hash mosquitto_passwd writes verifies here (as the embedded broker checks it), and ours has its exact shape', async () => {
    const file = join(dir, 'passwd');
    const made = spawnSync('mosquitto_passwd', ['-b', '-c', file, 'gate-1', 'pässword 1'], { encoding: 'utf8' });
    expect(made.error, 'mosquitto_passwd (apt-get install -y mosquitto)').toBeUndefined();
    const theirs = readFileSync(file, 'utf8').trim().split(':')[1]!;
    expect(await verifyPassword('pässword 1', theirs)).toBe(true);
    expect(await verifyPassword('pässword 2', theirs)).toBe(false);

    const ours = await manku(['hash-password', '--format', 'mosquitto', 'pässword 1']);
    expect(ours.code).toBe(0);
    const hash = ours.stdout.trim();
    // Same shape as mosquitto_passwd's: $7$, 101 iterations, 12-byte salt, 64-byte key.
    expect(hash.replace(/[A-Za-z0-9+/=]/g, '')).toBe(theirs.replace(/[A-Za-z0-9+/=]/g, ''));
    expect(hash.split('$').map((p) => p.length)).toEqual(theirs.split('$').map((p) => p.length));
    // mosquitto itself accepting it is test/integration/mosquitto.test.ts (every login there is ours).
  }, 180_000);
});

describe('manku broker-config', () => {
  const lotsWith = (hashes: Record<string, string>) => {
    const path = join(dir, `lots-${Object.values(hashes).join('').length}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        lots: [{ id: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 5, sensors: [{ id: 'gate-a1', passwordHash: hashes['gate-a1'] }] }],
        accounts: [{ username: 'svc-ingest', role: 'ingest', passwordHash: hashes['svc-ingest'] }],
      }),
    );
    return path;
  };

  it('writes mosquitto.conf, passwd and acl; with a hash mosquitto cannot read it names the account and writes nothing', async () => {
    const mosq = (await manku(['hash-password', '--format', 'mosquitto', 'x'])).stdout.trim();
    const scrypt = (await manku(['hash-password', 'x'])).stdout.trim();
    const bad = join(dir, 'bad');
    const refused = await manku(['broker-config', 'mosquitto', '--out', bad], { LOTS_FILE: lotsWith({ 'gate-a1': mosq, 'svc-ingest': scrypt }) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/svc-ingest \(scrypt\).*--format mosquitto/);
    expect(() => readdirSync(bad)).toThrow(/ENOENT/);

    const good = join(dir, 'good');
    const ok = await manku(['broker-config', 'mosquitto', '--out', good], { LOTS_FILE: lotsWith({ 'gate-a1': mosq, 'svc-ingest': mosq }), MQTT_PORT: '1999' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(good).sort()).toEqual(['acl', 'mosquitto.conf', 'passwd']);
    expect(readFileSync(join(good, 'mosquitto.conf'), 'utf8')).toMatch(/^listener 1999 127\.0\.0\.1$/m);
    expect(readFileSync(join(good, 'passwd'), 'utf8')).toBe(`gate-a1:${mosq}\nsvc-ingest:${mosq}\n`);
  }, 300_000);

  it('a lots file with a bad hash names the account when it loads', async () => {
    const r = await manku(['broker-config', 'nats', '--out', join(dir, 'n')], { LOTS_FILE: lotsWith({ 'gate-a1': '$7$5$AAAA$AAAA', 'svc-ingest': '$7$5$AAAA$AAAA' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lots\.0\.sensors\.0\.passwordHash \(sensor "gate-a1"\): PBKDF2 iterations must be from 100/);
    expect(r.stderr).toMatch(/accounts\.0\.passwordHash \(account "svc-ingest"\)/);
  }, 120_000);
});

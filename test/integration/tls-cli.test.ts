/**
 * `npm start` with TLS, as a user runs it: the TLS example of docs/configuration.md line by line
 * (its openssl commands, then mosquitto_pub --cafile and curl --cacert against the process), and
 * `MQTT_PORT=off` with certificates renewed on SIGHUP while connections stay open.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeArgs } from '../../testkit/entry-points.js';
import { waitFor } from '../../testkit/wait.js';
import { createTestCa, LOOPBACK_SAN } from '../support/certs.js';
import { blockWith, REPO_ROOT } from '../support/docs.js';
import { killStartedManku, startManku } from '../support/manku.js';
import { liveClient } from '../support/stack.js';

const run = promisify(execFile);
afterAll(killStartedManku);

/** `manku all` with TLS, on free ports; `ready()` waits for it, `field()` reads a log line's field. */
function startTlsManku(env: Record<string, string>) {
  const m = startManku({ MQTT_TLS_PORT: '0', ...env });
  const ready = () =>
    waitFor(() => m.lines.some((l) => l.msg === 'manku ready'), { timeoutMs: 60_000, what: 'manku ready' }).catch((err: Error) => {
      throw new Error(`${err.message}; stderr: ${m.stderr()}`);
    });
  const field = (msg: string, key: string) => m.lines.find((l) => l.msg === msg)?.[key];
  return { ...m, ready, field };
}

/** The lines of a `bash` block, backslash continuations joined. */
const bashLines = (marker: string) =>
  blockWith('docs/configuration.md', 'bash', marker)
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The TCP ports a process listens on, from /proc: its socket inodes among the listening sockets. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`))?.[1])
      .filter((i): i is string => Boolean(i)),
  );
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) ports.add(parseInt(cols[1]!.split(':')[1]!, 16)); // 0A: LISTEN
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return ''; // an fd closed meanwhile
  }
}

/** The serial number of the certificate a new TLS connection to `port` is shown. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;

// Whole processes: slow on a loaded 2-core machine.
describe('npm start with TLS', { timeout: 180_000 }, () => {
  it('runs the example of docs/configuration.md: its certificates, mosquitto_pub --cafile -p 8883, curl --cacert https://', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-tls-doc-'));
    const setup = bashLines('openssl req -x509');
    const start = setup.find((l) => l.includes('npm start'));
    expect(start).toMatch(/^TLS_CERT_FILE=server\.crt TLS_KEY_FILE=server\.key npm start\b/);
    for (const line of setup.filter((l) => l.startsWith('openssl '))) await run('bash', ['-c', line], { cwd: dir, timeout: 20_000 });

    const admin = { ADMIN_TOKEN: 'tls-admin-token-0123456789' };
    const m = startTlsManku({ TLS_CERT_FILE: join(dir, 'server.crt'), TLS_KEY_FILE: join(dir, 'server.key'), DATA_DIR: join(dir, 'data'), ...admin });
    await m.ready();
    const tlsPort = String(m.field('MQTT over TLS listening', 'port'));
    const api = String(m.field('API listening', 'url'));
    expect(api).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const [pub, curl] = bashLines('mosquitto_pub --cafile');
    const localised = (line: string) => line.replace('-p 8883', `-p ${tlsPort}`).replace('https://127.0.0.1:8080', api);
    await run('bash', ['-c', localised(pub!)], { cwd: dir, timeout: 10_000 });
    await waitFor(async () => JSON.parse((await run('bash', ['-c', localised(curl!)], { cwd: dir })).stdout).occupied === 4, {
      what: 'occupied 4 through curl --cacert',
    });
    // The admin CLI reaches the https:// API, trusting the private CA through Node's NODE_EXTRA_CA_CERTS.
    const manku = (env: Record<string, string>) =>
      run(process.execPath, nodeArgs('manku', ['reset-sensor', 'demo-hospital', 'demo-gate-1']), { cwd: REPO_ROOT, env: { ...process.env, ...admin, API_URL: api, ...env }, timeout: 60_000 });
    const [trusted, untrusted] = await Promise.allSettled([manku({ NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt') }), manku({})]);
    expect(trusted.status === 'fulfilled' && JSON.parse(trusted.value.stdout)).toMatchObject({ lotId: 'demo-hospital', sensorId: 'demo-gate-1' });
    expect(String((untrusted as PromiseRejectedResult).reason?.stderr)).toMatch(/cannot reach the API at https:.*\(set API_URL; for a private CA set NODE_EXTRA_CA_CERTS to its file\)/);
    m.child.kill('SIGTERM');
    expect(await m.exited).toBe(0);
  });

  it('MQTT_PORT=off: no plain listener; SIGHUP renews both certificates, open connections stay, a bad file keeps the old one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-tls-hup-'));
    const ca = await createTestCa(dir, 'ca');
    const [first, renewed] = [await ca.issue('first', { cn: 'localhost', san: LOOPBACK_SAN }), await ca.issue('renewed', { cn: 'localhost', san: LOOPBACK_SAN })];
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(first.cert, live.cert);
    copyFileSync(first.key, live.key);
    const caPem = readFileSync(ca.cert, 'utf8');

    const m = startTlsManku({ TLS_CERT_FILE: live.cert, TLS_KEY_FILE: live.key, MQTT_PORT: 'off', MQTT_CA_FILE: ca.cert, DATA_DIR: join(dir, 'data') });
    await m.ready();
    const tlsPort = Number(m.field('MQTT over TLS listening', 'port'));
    const api = String(m.field('API listening', 'url'));
    const apiPort = Number(new URL(api).port);
    expect(m.lines.some((l) => l.msg === 'MQTT broker listening')).toBe(false);
    expect(listeningPorts(m.child.pid!)).toEqual([tlsPort, apiPort].sort((a, b) => a - b));
    expect(m.field('ingest connected to broker', 'url')).toBe(`mqtts://127.0.0.1:${tlsPort}`);

    // Connections opened before the renewal: a gate's MQTT session and a wss live client.
    const gate = await mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, { username: 'demo-gate-1', password: 'demo', protocolVersion: 4, reconnectPeriod: 0, ca: caPem });
    const watcher = await liveClient(`${api.replace('https:', 'wss:')}/api/v1/live?lots=demo-hospital`, { ca: caPem });
    await watcher.next((m) => m.status?.lotId === 'demo-hospital', 'the first status');
    expect(await servedSerial(tlsPort, caPem)).toBe(serialOf(first.cert));

    copyFileSync(renewed.cert, live.cert);
    copyFileSync(renewed.key, live.key);
    m.child.kill('SIGHUP');
    await waitFor(() => m.lines.filter((l) => l.msg === 'TLS certificate reloaded').length === 2, { what: 'both listeners reloaded' });
    expect(m.lines.filter((l) => l.msg === 'TLS certificate reloaded').map((l) => [l.listener, l.serialNumber]).sort()).toEqual([
      ['api', serialOf(renewed.cert)],
      ['mqtt', serialOf(renewed.cert)],
    ]);
    expect(await servedSerial(tlsPort, caPem)).toBe(serialOf(renewed.cert));
    expect(await servedSerial(apiPort, caPem)).toBe(serialOf(renewed.cert));
    // The old connections carry on: the gate's reading reaches the old WebSocket.
    await gate.publishAsync('parking/v1/demo-hospital/demo-gate-1/counter', JSON.stringify({ boot: 1, seq: 1, ts: Date.now(), in: 7, out: 0 }), { qos: 1 });
    await watcher.next((m) => m.status?.occupied === 7, 'occupied 7 on the WebSocket opened before the renewal');

    // A botched renewal: a key that is not the certificate's.
    copyFileSync(first.key, live.key);
    m.child.kill('SIGHUP');
    await waitFor(() => m.lines.filter((l) => l.msg === 'TLS certificate reload failed; keeping the old certificate').length === 2, { what: 'both reloads refused' });
    expect(m.lines.find((l) => l.msg === 'TLS certificate reload failed; keeping the old certificate')?.err).toMatch(/does not belong to the certificate/);
    expect(await servedSerial(tlsPort, caPem)).toBe(serialOf(renewed.cert));
    expect(await servedSerial(apiPort, caPem)).toBe(serialOf(renewed.cert));
    expect(gate.connected).toBe(true);

    watcher.close();
    await gate.endAsync();
    m.child.kill('SIGTERM');
    expect(await m.exited).toBe(0);
  });
});

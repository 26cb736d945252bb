/**
 * TLS through the real wiring, with certificates made by `openssl` at test time: sensors publish
 * with `mosquitto_pub --cafile` to the broker's TLS port, ingest and the API connect with mqtts://
 * and a CA, the API serves https:// and wss://; a wrong CA or a wrong name fails at once with an
 * error naming the setting to fix; plain MQTT on the TLS port is refused and counted; client
 * certificates must carry the username as CN.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import { createBroker, type Broker, type BrokerTlsOptions } from '../../broker/index.js';
import { systemClock, type LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { openMqttSession, readTlsCredentials } from '../../transport/index.js';
import { nodeArgs } from '../../testkit/entry-points.js';
import { waitFor } from '../../testkit/wait.js';
import { createTestCa, LOOPBACK_SAN, type CertFiles, type TestCa } from '../support/certs.js';
import { connectClient, counterJson, liveClient, passwordOf, startApi, startIngest, testLots, waitForOccupied } from '../support/stack.js';

const run = promisify(execFile);

let dir: string;
let ca: TestCa;
let otherCa: TestCa;
let server: CertFiles;
let caPem: string;
let lots: LotsFile;

/** A pino logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function startTlsBroker(tls: Omit<BrokerTlsOptions, 'port' | 'certFile' | 'keyFile'>, port: number | null = null) {
  const { logger, lines } = capturingLogger();
  const broker = createBroker({ lots, port, tls: { port: 0, certFile: server.cert, keyFile: server.key, ...tls }, logger, connectTimeoutMs: 2000 });
  const address = await broker.start();
  return { broker, lines, address, url: `mqtts://127.0.0.1:${address.tlsPort}` };
}

/** mosquitto_pub as a gate would run it, over TLS; `extra` adds --cert/--key and the like. */
function pubTls(port: number, sensor: string, lotId: string, payload: string, extra: string[] = []) {
  return run('mosquitto_pub', ['--cafile', ca.cert, '-h', '127.0.0.1', '-p', String(port), '-u', sensor, '-P', passwordOf(sensor), '-q', '1', '-t', `parking/v1/${lotId}/${sensor}/counter`, '-m', payload, ...extra], {
    timeout: 10_000,
  });
}

/** GET over https, trusting `ca`: the JSON body and the headers. */
function httpsGet(url: string, caCert: string): Promise<{ body: Record<string, unknown>; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get(url, { ca: caCert }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ body: JSON.parse(body), headers: res.headers }));
    }).on('error', reject);
  });
}

const sim = (...args: string[]) => run(process.execPath, nodeArgs('sim', args), { timeout: 60_000 });

function refusedCount(broker: Broker, kind: 'client-cert' | 'tls-handshake') {
  return broker.stats().refused[kind];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'manku-tls-'));
  [ca, otherCa] = await Promise.all([createTestCa(dir, 'ca'), createTestCa(dir, 'other-ca')]);
  server = await ca.issue('server', { cn: 'localhost', san: LOOPBACK_SAN });
  caPem = readFileSync(ca.cert, 'utf8');
  lots = await testLots();
});

describe('MQTT over TLS only, HTTPS and WSS', () => {
  let broker: Broker;
  let lines: Array<Record<string, unknown>>;
  let tlsPort: number;
  let url: string;
  let ingest: Ingest;
  let api: Api;
  let apiBase: string;

  beforeAll(async () => {
    let address;
    ({ broker, lines, address, url } = await startTlsBroker({ caFile: ca.cert, clientCert: 'optional' }));
    expect(address.port).toBeNull(); // MQTT_PORT=off
    tlsPort = address.tlsPort!;
    ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: join(dir, 'store') }), systemClock, 'tls-ingest', { mqttTls: { ca: caPem } });
    const started = await startApi(lots, url, systemClock, { mqttTls: { ca: caPem }, tls: { certFile: server.cert, keyFile: server.key } });
    api = started.api;
    apiBase = started.base.replace('http:', 'https:');
  });
  afterAll(async () => {
    await api?.stop();
    await ingest?.stop();
    await broker?.stop();
  });

  it('a sensor publishes with mosquitto_pub --cafile; the count reaches the API over https:// and wss://', async () => {
    const live = await liveClient(`${apiBase.replace('https:', 'wss:')}/api/v1/live?lots=lot-b`, { ca: caPem });
    await live.next((m) => m.status?.lotId === 'lot-b', 'the first status over wss');
    await pubTls(tlsPort, 'gate-b1', 'lot-b', counterJson(1, 1, 3, 0));
    await live.next((m) => m.status?.occupied === 3, 'occupied 3 over wss');
    const { body, headers } = await httpsGet(`${apiBase}/api/v1/lots/lot-b`, caPem);
    expect(body).toMatchObject({ lotId: 'lot-b', occupied: 3 });
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/); // sent over HTTPS only
    live.close();
  });

  it('refuses plain HTTP on the API port', async () => {
    await expect(fetch(`${apiBase.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
  });

  it('a wrong CA: the session fails at once, naming MQTT_CA_FILE; mosquitto_pub fails; the broker counts the failed handshake', async () => {
    const before = refusedCount(broker, 'tls-handshake');
    const { ready } = openMqttSession({ url, username: 'reader', password: passwordOf('reader'), tls: { ca: readFileSync(otherCa.cert, 'utf8') } });
    await expect(ready).rejects.toThrow(/^account "reader" cannot connect: cannot verify the broker's TLS certificate at mqtts:\/\/127\.0\.0\.1:\d+ \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE): .*\); set MQTT_CA_FILE to the CA that signed the broker's certificate$/);
    await expect(run('mosquitto_pub', ['--cafile', otherCa.cert, '-h', '127.0.0.1', '-p', String(tlsPort), '-u', 'gate-a1', '-P', passwordOf('gate-a1'), '-t', 'x', '-m', 'x'])).rejects.toThrow();
    await waitFor(() => refusedCount(broker, 'tls-handshake') >= before + 2, { what: 'two failed handshakes counted' });
    expect(lines.some((l) => l.refusal === 'tls-handshake' && l.msg === 'TLS handshake failed; connection closed')).toBe(true);
  });

  it('a wrong server name: the session fails at once, naming MQTT_URL or MQTT_SERVERNAME', async () => {
    const { ready } = openMqttSession({ url, username: 'reader', password: passwordOf('reader'), tls: { ca: caPem, servername: 'broker.example.jp' } });
    await expect(ready).rejects.toThrow(/not valid for the name connected to \(.*broker\.example\.jp.*\); connect by a name the certificate holds \(MQTT_URL or MQTT_SERVERNAME\)$/);
  });

  // Two simulator processes: slow on a loaded 2-core machine.
  it('the simulator CLI: --ca with the broker\'s CA plays its gates in over TLS; a wrong CA stops it at once naming --ca', { timeout: 90_000 }, async () => {
    const before = ingest.stats().accepted;
    const common = ['run', '--url', url, '--lot', 'lot-b', '--sensors', 'gate-b1', '--password', 'pw-{sensor}', '--fast', '--from', '8', '--hours', '1', '--state', join(dir, 'sim-boots.json')];
    const [good, bad] = await Promise.allSettled([sim(...common, '--ca', ca.cert), sim(...common, '--ca', otherCa.cert, '--state', join(dir, 'sim-boots-2.json'))]);
    expect(good.status).toBe('fulfilled');
    await waitFor(() => ingest.stats().accepted > before, { what: 'the simulated readings counted' });
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason.stderr)).toMatch(/^sim: sensor gate-b1 cannot connect: cannot verify the broker's TLS certificate .*; set --ca to the CA that signed the broker's certificate$/m);
  });

  it('plain MQTT on the TLS port gets no CONNACK and is counted', async () => {
    const before = refusedCount(broker, 'tls-handshake');
    await expect(connectClient(`mqtt://127.0.0.1:${tlsPort}`, 'reader', passwordOf('reader'), { connectTimeout: 1500 })).rejects.toThrow();
    // Counted among the failed handshakes, and told apart from them in the log by OpenSSL's words.
    await waitFor(() => lines.some((l) => l.refusal === 'tls-handshake' && /wrong version number/.test(String(l.err))), { what: 'the plain client logged' });
    expect(refusedCount(broker, 'tls-handshake')).toBeGreaterThan(before);
  });

  it('a client certificate whose CN is not the username is refused, counted and logged; the right one is let in', async () => {
    const [a1, a2] = await Promise.all([ca.issue('gate-a1', { cn: 'gate-a1' }), ca.issue('gate-a2', { cn: 'gate-a2' })]);
    const before = refusedCount(broker, 'client-cert');
    const as = (c: CertFiles) => ['--cert', c.cert, '--key', c.key];
    await expect(pubTls(tlsPort, 'gate-a1', 'lot-a', counterJson(1, 1, 5, 0), as(a2))).rejects.toThrow(/not authori[sz]ed/i);
    expect(refusedCount(broker, 'client-cert')).toBe(before + 1);
    expect(lines.find((l) => l.refusal === 'client-cert')).toMatchObject({ username: 'gate-a1', msg: 'client certificate CN "gate-a2" is not the username "gate-a1"' });
    await pubTls(tlsPort, 'gate-a1', 'lot-a', counterJson(1, 1, 5, 0), as(a1));
    await waitFor(() => ingest.ledger.status('lot-a')?.occupied === 5, { what: 'the reading of the certified gate counted' });
  });

  it('a client certificate from another CA is refused and counted, even with the right CN', async () => {
    const foreign = await otherCa.issue('foreign-gate-a2', { cn: 'gate-a2' });
    const before = refusedCount(broker, 'client-cert');
    await expect(pubTls(tlsPort, 'gate-a2', 'lot-a', counterJson(1, 1, 1, 0), ['--cert', foreign.cert, '--key', foreign.key])).rejects.toThrow(/not authori[sz]ed/i);
    expect(refusedCount(broker, 'client-cert')).toBe(before + 1);
    expect(lines.some((l) => l.refusal === 'client-cert' && String(l.msg).startsWith('client certificate not trusted'))).toBe(true);
  });
});

describe('certificate files', () => {
  it('are checked before use: in date, and the key belongs to the certificate', async () => {
    const day = 86_400_000;
    const files = { certFile: server.cert, keyFile: server.key };
    expect(readTlsCredentials(files).certificate).toMatchObject({ subject: 'CN=localhost', serialNumber: expect.any(String), fingerprint256: expect.stringMatching(/^[0-9A-F:]+$/) });
    expect(() => readTlsCredentials(files, Date.now() + 10 * day)).toThrow(/^the certificate in .*server\.crt expired on /);
    expect(() => readTlsCredentials(files, Date.now() - 10 * day)).toThrow(/is not valid before/);
    const stranger = await ca.issue('stranger', { cn: 'localhost', san: LOOPBACK_SAN });
    expect(() => readTlsCredentials({ certFile: server.cert, keyFile: stranger.key })).toThrow(/^the key in .*stranger\.key does not belong to the certificate in .*server\.crt$/);
    expect(() => readTlsCredentials({ certFile: server.cert, keyFile: server.cert })).toThrow(/holds no usable private key/);
  });
});

describe('MQTT_TLS_CLIENT_CERT=required, beside a plain port', () => {
  let broker: Broker;
  let address: Awaited<ReturnType<Broker['start']>>;
  let ingest: Ingest;
  let gate: CertFiles;

  beforeAll(async () => {
    ({ broker, address } = await startTlsBroker({ caFile: ca.cert, clientCert: 'required' }, 0));
    // ingest is a service account: on the plain port, with its password alone
    ingest = await startIngest(lots, `mqtt://127.0.0.1:${address.port}`, createEmbeddedStore({ dataDir: join(dir, 'store-required') }), systemClock, 'tls-ingest-2');
    gate = await ca.issue('gate-b1-required', { cn: 'gate-b1' });
  });
  afterAll(async () => {
    await ingest?.stop();
    await broker?.stop();
  });

  it('refuses a sensor without a certificate, on the TLS port and on the plain one, and counts both', async () => {
    const before = refusedCount(broker, 'client-cert');
    await expect(pubTls(address.tlsPort!, 'gate-b1', 'lot-b', counterJson(1, 1, 2, 0))).rejects.toThrow(/not authori[sz]ed/i);
    await expect(connectClient(`mqtt://127.0.0.1:${address.port}`, 'gate-b1')).rejects.toMatchObject({ code: 5 });
    expect(refusedCount(broker, 'client-cert')).toBe(before + 2);
  });

  it('lets in a sensor with its certificate, and a service account with its password alone', async () => {
    await pubTls(address.tlsPort!, 'gate-b1', 'lot-b', counterJson(1, 1, 2, 0), ['--cert', gate.cert, '--key', gate.key]);
    await waitForOccupied(ingest, 'lot-b', 2);
    const reader = await connectClient(`mqtts://127.0.0.1:${address.tlsPort}`, 'reader', passwordOf('reader'), { ca: caPem });
    await reader.endAsync();
  });
});

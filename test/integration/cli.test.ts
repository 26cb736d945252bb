/**
 * `npm start` as a user runs it: one process with broker, ingest and API on the demo lots file,
 * a real `mosquitto_pub` publishing, curl-like reads, Ctrl-C stopping cleanly.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeArgs } from '../../testkit/entry-points.js';
import { freePort, waitFor } from '../../testkit/wait.js';
import { killStartedManku, startManku } from '../support/manku.js';

const run = promisify(execFile);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  killStartedManku();
});


// Each case starts whole processes: slow on a loaded 2-core machine.
describe('manku (npm start)', { timeout: 180_000 }, () => {
  it('runs on the demo lots file: mosquitto_pub -> API, duplicates and garbage change nothing, Ctrl-C flushes', async () => {
    expect(spawnSync('mosquitto_pub', ['--help']).error, 'mosquitto_pub missing: apt-get install -y mosquitto-clients').toBeUndefined();
    const dataDir = mkdtempSync(join(tmpdir(), 'manku-cli-'));
    const m = startManku({ DATA_DIR: dataDir }, 'all', { via: 'tsx' }); // as `npm start` runs it: the other cases start the built copy
    await waitFor(() => m.lines.some((l) => l.msg === 'manku ready'), { timeoutMs: 60_000, what: 'manku ready' });
    expect(m.lines.some((l) => String(l.msg).includes('DEMO CREDENTIALS ACTIVE'))).toBe(true);
    expect(m.lines.find((l) => String(l.msg).startsWith('store:'))?.msg).toBe('store: embedded');
    const mqttPort = String(m.lines.find((l) => l.msg === 'MQTT broker listening')?.port);
    const api = String(m.lines.find((l) => l.msg === 'API listening')?.url);

    const pub = (payload: string, topic = 'parking/v1/demo-hospital/demo-gate-1/counter') =>
      run('mosquitto_pub', ['-h', '127.0.0.1', '-p', mqttPort, '-u', 'demo-gate-1', '-P', 'demo', '-t', topic, '-q', '1', '-m', payload]);
    const lot = async () => (await (await fetch(`${api}/api/v1/lots/demo-hospital`)).json()) as Record<string, unknown>;

    const message = JSON.stringify({ boot: 1, seq: 1, ts: Date.now(), in: 5, out: 1 });
    await pub(message);
    await waitFor(async () => (await lot()).occupied === 4, { timeoutMs: 15_000, what: 'occupied 4' });
    await pub(message);
    await pub('garbage');
    await expect(pub(message, 'parking/v1/other-lot/demo-gate-1/counter')).rejects.toBeTruthy();
    await waitFor(() => m.lines.some((l) => l.reason === 'json'), { what: 'the garbage to be logged' });
    await waitFor(() => m.lines.some((l) => l.refusal === 'publish-denied'), { what: 'the denied publish in the log' });
    expect(await lot()).toMatchObject({ occupied: 4, available: 196, capacity: 200 });
    await waitFor(async () => (await (await fetch(`${api}/metrics`)).text()).includes('manku_broker_refusals_total{broker="manku-broker",kind="publish-denied"} 1'), {
      what: 'the refusal in /metrics (broker in the same process)',
    });

    m.child.kill('SIGINT');
    expect(await m.exited).toBe(0);
    expect(m.lines.some((l) => l.msg === 'snapshot saved')).toBe(true);
    expect(existsSync(join(dataDir, 'manku-state.json'))).toBe(true);

    // Started again on the same data: the count is restored.
    const again = startManku({ DATA_DIR: dataDir });
    await waitFor(() => again.lines.some((l) => l.msg === 'manku ready'), { timeoutMs: 60_000, what: 'manku ready again' });
    const api2 = String(again.lines.find((l) => l.msg === 'API listening')?.url);
    await waitFor(async () => ((await (await fetch(`${api2}/api/v1/lots/demo-hospital`)).json()) as { occupied: number }).occupied === 4, {
      what: 'restored count',
    });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('runs as three processes (broker, ingest, api) configured by env alone', async () => {
    const port = await freePort();
    const env = { MQTT_PORT: String(port), MQTT_URL: `mqtt://127.0.0.1:${port}`, DATA_DIR: mkdtempSync(join(tmpdir(), 'manku-split-')) };
    const broker = startManku(env, 'broker');
    await waitFor(() => broker.lines.some((l) => l.msg === 'manku ready'), { timeoutMs: 60_000, what: 'broker ready' });
    const ingest = startManku(env, 'ingest');
    const api = startManku(env, 'api');
    await waitFor(() => ingest.lines.some((l) => l.msg === 'manku ready') && api.lines.some((l) => l.msg === 'manku ready'), {
      timeoutMs: 60_000,
      what: 'ingest and api ready',
    });
    expect(broker.lines.some((l) => l.component === 'ingest' || l.component === 'api')).toBe(false);
    const base = String(api.lines.find((l) => l.msg === 'API listening')?.url);
    for (const gate of ['demo-gate-1', 'demo-gate-2']) {
      await run('mosquitto_pub', ['-p', String(port), '-u', gate, '-P', 'demo', '-q', '1', '-t', `parking/v1/demo-hospital/${gate}/counter`, '-m', JSON.stringify({ boot: 1, seq: 1, ts: Date.now(), in: 3, out: 0 })]);
    }
    await waitFor(async () => ((await (await fetch(`${base}/api/v1/lots/demo-hospital`)).json()) as { occupied: number; stale: boolean }).occupied === 6, {
      what: 'the API process to see the count',
    });
    expect(await (await fetch(`${base}/api/v1/lots/demo-hospital`)).json()).toMatchObject({ level: 'vacant', label: '空', stale: false });
    await expect(run('mosquitto_pub', ['-p', String(port), '-u', 'demo-gate-1', '-P', 'wrong', '-t', 'x', '-m', 'x'])).rejects.toBeTruthy();
    await waitFor(async () => (await (await fetch(`${base}/metrics`)).text()).includes('manku_broker_refusals_total{broker="manku-broker",kind="bad-credentials"} 1'), {
      what: 'the refusal in the API process\'s /metrics (broker in another process)',
    });
    for (const p of [api, ingest, broker]) {
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
  });

  it('starts a production split where each part has only its own credentials', async () => {
    const { hashPassword } = await import('../../broker/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'manku-prod-'));
    const hash = (pw: string) => hashPassword(pw, { N: 1024 });
    const lotsFile = join(dir, 'lots.json');
    writeFileSync(
      lotsFile,
      JSON.stringify({
        lots: [{ id: 'north', name: { ja: '北', en: 'North' }, capacity: 50, sensors: [{ id: 'north-1', passwordHash: await hash('gate-secret') }] }],
        accounts: [
          { username: 'svc-ingest', role: 'ingest', passwordHash: await hash('ingest-secret') },
          { username: 'svc-api', role: 'api', passwordHash: await hash('api-secret') },
        ],
      }),
    );
    const port = await freePort();
    const common = { NODE_ENV: 'production', LOTS_FILE: lotsFile, MQTT_URL: `mqtt://127.0.0.1:${port}`, DATA_DIR: dir };
    const broker = startManku({ ...common, MQTT_PORT: String(port) }, 'broker');
    await waitFor(() => broker.lines.some((l) => l.msg === 'manku ready'), { timeoutMs: 60_000, what: `broker ready (${broker.stderr()})` });
    const ingest = startManku({ ...common, INGEST_MQTT_USERNAME: 'svc-ingest', INGEST_MQTT_PASSWORD: 'ingest-secret' }, 'ingest');
    const api = startManku({ ...common, API_MQTT_USERNAME: 'svc-api', API_MQTT_PASSWORD: 'api-secret' }, 'api');
    await waitFor(() => ingest.lines.some((l) => l.msg === 'manku ready') && api.lines.some((l) => l.msg === 'manku ready'), {
      timeoutMs: 60_000,
      what: `ingest and api ready (${ingest.stderr()}${api.stderr()})`,
    });
    for (const p of [broker, ingest, api]) expect(p.lines.some((l) => String(l.msg).includes('DEMO CREDENTIALS'))).toBe(false);
    for (const p of [api, ingest, broker]) {
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
  });

  it('with InfluxDB down, the API answers at once (not ready, saying why) and sensors are refused, not acknowledged', async () => {
    const deadInflux = `http://127.0.0.1:${await freePort()}/manku`;
    const m = startManku({ INFLUX_URL: deadInflux, DATA_DIR: mkdtempSync(join(tmpdir(), 'manku-blind-')) });
    await waitFor(() => m.lines.some((l) => l.msg === 'API listening') && m.lines.some((l) => l.msg === 'waiting for InfluxDB'), {
      timeoutMs: 30_000,
      what: 'the API listening while ingest waits for InfluxDB',
    });
    const api = String(m.lines.find((l) => l.msg === 'API listening')?.url);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    const ready = await fetch(`${api}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons.join()).toMatch(/ingest/);
    const mqttPort = String(m.lines.find((l) => l.msg === 'MQTT broker listening')?.port);
    const message = JSON.stringify({ boot: 1, seq: 1, ts: Date.now(), in: 5, out: 1 });
    const pub = run('mosquitto_pub', ['-p', mqttPort, '-u', 'demo-gate-1', '-P', 'demo', '-q', '1', '-t', 'parking/v1/demo-hospital/demo-gate-1/counter', '-m', message]);
    await expect(pub).rejects.toMatchObject({ stderr: expect.stringMatching(/unavailable/i) });
    // the refusal's log line reaches us through the child's stdout pipe a moment later
    await waitFor(() => m.lines.some((l) => l.refusal === 'ingest-not-ready'), { what: 'the ingest-not-ready refusal in the log' });
    m.child.kill('SIGTERM');
    expect(await m.exited).toBe(0);
  });

  it('refuses demo credentials when NODE_ENV=production, saying what to do', async () => {
    const m = startManku({ NODE_ENV: 'production', DATA_DIR: mkdtempSync(join(tmpdir(), 'manku-cli-')) });
    expect(await m.exited).toBe(1);
    expect(m.stderr()).toMatch(/refusing to start with demo credentials in production.*LOTS_FILE/s);
  });

  it('logs JSON lines by default off a terminal, and lines for people with LOG_FORMAT=pretty', async () => {
    const child = spawn(process.execPath, nodeArgs('manku', []), {
      env: { ...process.env, MQTT_PORT: '0', PORT: '0', LOG_FORMAT: 'pretty', DATA_DIR: mkdtempSync(join(tmpdir(), 'manku-pretty-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor(() => out.includes('manku ready'), { timeoutMs: 60_000, what: 'manku ready' });
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: manku starting$/m);
    expect(out.split('\n')[0]!.startsWith('{')).toBe(false);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The other tests here parse every stdout line as JSON: the default off a terminal.
  });

  it('names a bad environment variable and exits 1', async () => {
    const m = startManku({ PORT: 'eighty' });
    expect(await m.exited).toBe(1);
    expect(m.stderr()).toMatch(/PORT/);
  });

  it('hash-password prints a hash the lots file accepts', async () => {
    const { stdout } = await run(process.execPath, nodeArgs('manku', ['hash-password', 's3cret'], { via: 'tsx' })); // as `npm run manku --` runs it
    expect(stdout.trim()).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });
});

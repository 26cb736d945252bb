/**
 * Beyond one box (issue 9): two ingest partitions (INGEST_PARTITION=1/2, 2/2) and an API with two
 * workers (API_WORKERS=2), each its own `manku` process (bin/manku.ts), on the embedded aedes
 * (`manku broker`) and on a real mosquitto 2.0 configured by `manku broker-config mosquitto`.
 * Traffic comes from gates that keep the ground truth (testkit/drills). Worker supervision does not
 * depend on the broker: it is tested on aedes only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../core/index.js';
import { createGates, type Gates } from '../../testkit/drills/gates.js';
import { createLiveClients, type LiveClients } from '../../testkit/drills/live-clients.js';
import { createSite, type Site } from '../../testkit/drills/site.js';
import { startManku, type MankuProcess } from '../../testkit/manku-process.js';
import { startMosquitto, type Mosquitto } from '../../testkit/mosquitto.js';
import { freePort, waitFor } from '../../testkit/wait.js';

const ADMIN_TOKEN = 'scale-test-admin-token-0123456789';

/** One request on a fresh connection (no keep-alive), so the cluster hands each to a worker in turn. */
function call(url: string, method = 'GET', body?: unknown): Promise<{ status: number; json: any; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload ? { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` } : {};
    const req = (method === 'GET' ? get : request)(url, { method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json: any = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// Whole processes start here: slow on a loaded 2-core machine.
describe.each(['aedes', 'mosquitto'] as const)('two ingest partitions and two API workers (%s)', { timeout: 600_000 }, (brokerKind) => {
  let dir: string;
  let mosquitto: Mosquitto | null = null;
  let site: Site;
  let base: string;
  let gates: Gates;
  let live: LiveClients;
  const procs: MankuProcess[] = [];
  const start = (role: 'broker' | 'ingest' | 'api', env: Record<string, string> = {}) => {
    const p = startManku(role, { ...site.env, ...env });
    procs.push(p);
    return p;
  };
  const ingestEnv = (k: number) => ({ INGEST_PARTITION: `${k}/2`, DATA_DIR: join(dir, `data-${k}`) });
  let ingests: MankuProcess[] = [];
  let api: MankuProcess;
  const lotsOf = (k: number) => site.lotIds.filter((id) => partitionOf(id, 2) === k);
  const shownEverywhere = async (requests: number) => {
    for (let i = 0; i < requests; i++) {
      for (const id of site.lotIds) {
        const r = await call(`${base}/api/v1/lots/${id}`);
        // a throw, not `false`: waitFor's timeout then says which lot was wrong and how
        if (r.status !== 200 || r.json.occupied !== gates.truth(id) || r.json.stale) {
          throw new Error(`lot ${id} (partition ${partitionOf(id, 2)}/2): HTTP ${r.status}, occupied ${r.json?.occupied}, stale ${r.json?.stale}; truth ${gates.truth(id)}`);
        }
      }
    }
    return true;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'manku-scale-'));
    site = await createSite(dir, { lots: 4, gatesPerLot: 2, hashFormat: brokerKind === 'mosquitto' ? 'mosquitto' : 'scrypt' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    if (brokerKind === 'mosquitto') mosquitto = await startMosquitto({ lotsFile: site.env.LOTS_FILE!, port: site.mqttPort });
    const broker = mosquitto ? null : start('broker');
    ingests = [start('ingest', ingestEnv(1))];
    api = start('api', { API_WORKERS: '2', PORT: String(port), ADMIN_TOKEN });
    // the API primary loads, then forks two workers that load again: minutes on a loaded 2-core machine
    await Promise.all([broker?.ready(), ingests[0]!.ready(), api.ready(600_000)]);
  }, 900_000);

  afterAll(async () => {
    live?.close();
    await gates?.stop();
    for (const p of procs.reverse()) await p.kill('SIGKILL');
    await mosquitto?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('puts the test lots in both partitions (precondition)', () => {
    expect(lotsOf(1).length).toBeGreaterThan(0);
    expect(lotsOf(2).length).toBeGreaterThan(0);
  });

  it('is not ready while partition 2/2 has no ingest, says which, and is ready once it has', async () => {
    await waitFor(async () => (await call(`${base}/readyz`)).json?.ingest?.some((i: { partition?: string }) => i.partition === '1/2'), { timeoutMs: 60_000, what: 'partition 1/2 reported' });
    const before = await call(`${base}/readyz`);
    expect(before.status).toBe(503);
    expect(before.json.reasons).toEqual([expect.stringContaining('ingest partition 2/2 has no live ingest')]);
    expect((await call(`${base}/metrics`)).text).toContain('manku_ingest_partition_up{partition="2/2"} 0');

    ingests.push(start('ingest', ingestEnv(2)));
    await ingests[1]!.ready();
    // Every worker hears ingest's health: ready on 6 fresh connections in a row.
    await waitFor(async () => (await Promise.all([1, 2, 3, 4, 5, 6].map(() => call(`${base}/readyz`)))).every((r) => r.status === 200), { timeoutMs: 60_000, what: 'ready' });
    const metrics = (await call(`${base}/metrics`)).text;
    expect(metrics).toContain('manku_ingest_partition_up{partition="1/2"} 1');
    expect(metrics).toContain('manku_ingest_partition_up{partition="2/2"} 1');
    expect(ingests.map((p) => p.field('ingest partition', 'lots'))).toEqual([lotsOf(1).length, lotsOf(2).length]);
  });

  it('serves the right counts for lots of both partitions, from both workers, over REST and WebSocket', async () => {
    gates = createGates({ url: site.mqttUrl, sensors: site.sensors, seed: 9, capacity: site.capacity });
    await gates.start();
    live = createLiveClients({ wsUrl: `${base.replace('http', 'ws')}/api/v1/live`, lotId: lotsOf(2)[0]!, count: 4, seed: 9 });
    live.open();
    await gates.run(100, 1500);
    gates.heartbeatAll();
    await waitFor(() => shownEverywhere(2), { timeoutMs: 60_000, intervalMs: 100, what: 'counts exact on every worker' });
    const watched = lotsOf(2)[0]!;
    await waitFor(() => live.seen.every((s) => s.at(-1)?.occupied === gates.truth(watched)), { timeoutMs: 30_000, what: 'live clients shown the count' });
    expect(gates.stats().passes).toBeGreaterThan(50);
  });

  it("serves every worker's metrics from any worker: its own figures summed, shared ones once", async () => {
    const value = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.slice(series.length + 1));
    const lotId = lotsOf(1)[0]!;
    // fresh connections, handed to the workers in turn
    for (const r of await Promise.all([1, 2, 3, 4].map(() => call(`${base}/metrics`)))) {
      expect(r.status, r.text).toBe(200);
      expect(value(r.text, 'manku_ws_clients')).toBe(live.seen.length); // the 4 live clients, whichever worker holds them
      expect(value(r.text, `manku_lot_occupied{lot="${lotId}"}`)).toBe(gates.truth(lotId)); // heard by both, counted once
      expect(value(r.text, 'manku_ingest_partition_up{partition="2/2"}')).toBe(1);
    }
  });

  it('answers 200 to a calibration of a lot in partition 2 (its owner answers) and moves the count', async () => {
    const lotId = lotsOf(2)[0]!;
    const target = gates.truth(lotId) + 7;
    const r = await call(`${base}/api/v1/lots/${lotId}/calibration`, 'POST', { occupied: target });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ lotId, occupied: target, previous: gates.truth(lotId) });
    await waitFor(async () => (await Promise.all([1, 2, 3, 4].map(() => call(`${base}/api/v1/lots/${lotId}`)))).every((x) => x.json?.occupied === target), {
      timeoutMs: 30_000,
      what: 'calibrated count served',
    });
    // and one of partition 1, through the other ingest
    const other = lotsOf(1)[0]!;
    const r1 = await call(`${base}/api/v1/lots/${other}/calibration`, 'POST', { occupied: gates.truth(other) });
    expect(r1.status, r1.text).toBe(200);
    const rejected = ingests.flatMap((p) => p.lines.filter((l) => l.msg === 'calibration for a lot of another partition ignored'));
    expect(rejected).toEqual([]); // no ingest even received another partition's command
    // back to the gates' truth, which the tests below compare with
    expect((await call(`${base}/api/v1/lots/${lotId}/calibration`, 'POST', { occupied: gates.truth(lotId) })).status).toBe(200);
  });

  // Worker supervision does not depend on the broker: registered for aedes only.
  if (brokerKind === 'aedes') it('replaces a worker that is killed, and keeps serving the right counts', async () => {
    const startedPids = () => api.lines.filter((l) => l.msg === 'API worker started').map((l) => l.pid as number);
    const victim = startedPids()[0]!;
    process.kill(victim, 'SIGKILL');
    await waitFor(() => api.lines.some((l) => l.msg === 'API worker exited; starting another' && l.pid === victim), { timeoutMs: 30_000, what: 'exit logged' });
    // Scrapes meanwhile are answered from the ready workers, not held up by the one starting.
    for (const r of await Promise.all([1, 2, 3].map(() => call(`${base}/metrics`)))) expect(r.status, r.text).toBe(200);
    await waitFor(() => startedPids().length === 3 && api.lines.filter((l) => l.msg === 'API worker ready').length === 3, { timeoutMs: 300_000, what: 'a new worker ready' });
    await waitFor(() => shownEverywhere(2), { timeoutMs: 60_000, intervalMs: 100, what: 'counts exact on every worker' });
  });

  it('ingest of partition 1 SIGKILLed mid-stream and restarted: final counts exact in both partitions', async () => {
    await gates.run(100, 700);
    await ingests[0]!.kill('SIGKILL');
    const passesBefore = gates.stats().passes;
    ingests[0] = start('ingest', ingestEnv(1));
    let up = false;
    const ready = ingests[0].ready().then(() => (up = true));
    await gates.run(100, 300_000, () => up);
    await ready;
    expect(gates.stats().passes - passesBefore).toBeGreaterThan(0); // the kill really was mid-stream
    await gates.run(100, 300);
    gates.heartbeatAll();
    await waitFor(() => shownEverywhere(2), { timeoutMs: 120_000, intervalMs: 100, what: 'counts exact after the restart' });
  });

  if (brokerKind === 'aedes') it('stops cleanly on SIGTERM: every worker, then the primary, exit 0', async () => {
    expect(await api.kill('SIGTERM')).toBe(0);
    expect(api.lines.filter((l) => l.msg === 'API stopped').length).toBeGreaterThanOrEqual(2);
  });
});

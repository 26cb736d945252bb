/**
 * manku on a real 3-node NATS cluster (nats-server 2.9, JetStream + MQTT listener; issue 9):
 * auth from `broker-config nats`, ingest and the API as their own processes on different nodes,
 * each given every node in MQTT_URL (its own first). The node ingest is on is killed mid-stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LotStatus } from '../../protocol/index.js';
import { createGates } from '../../testkit/drills/gates.js';
import { createSite, type Site } from '../../testkit/drills/site.js';
import { startManku, type MankuProcess } from '../../testkit/manku-process.js';
import { startNatsCluster, type NatsCluster } from '../../testkit/nats.js';
import { freePort, waitFor } from '../../testkit/wait.js';

/** Every node's MQTT URL, starting with node `first`: a part prefers its own node and fails over to the others. */
const urlsFrom = (cluster: NatsCluster, first: number) =>
  [...cluster.nodes.slice(first), ...cluster.nodes.slice(0, first)].map((n) => n.mqttUrl).join(',');

describe('ingest and the API on a 3-node NATS cluster', () => {
  let dir: string;
  let site: Site;
  let cluster: NatsCluster;
  const procs: MankuProcess[] = [];
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'manku-nats-test-'));
    site = await createSite(dir, { lots: 2, gatesPerLot: 3, capacity: 10_000, hashFormat: 'bcrypt' });
    cluster = await startNatsCluster({ lotsFile: site.env.LOTS_FILE! });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    procs.push(startManku('ingest', { ...site.env, MQTT_URL: urlsFrom(cluster, 0) }));
    procs.push(startManku('api', { ...site.env, MQTT_URL: urlsFrom(cluster, 1), PORT: String(port) }));
    await Promise.all(procs.map((p) => p.ready(120_000)));
  }, 240_000);

  afterAll(async () => {
    for (const p of procs) await p.kill('SIGTERM');
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill the node ingest is on mid-stream: ingest reconnects to another node, counts end exact, the API keeps serving', async () => {
    const [ingest] = procs as [MankuProcess, MankuProcess];
    const gates = createGates({ url: urlsFrom(cluster, 2), sensors: site.sensors, seed: 21, capacity: 10_000 });
    await gates.start();
    console.log('nats test: gates connected');
    // The API is asked all along; every answer must be a 200 with every lot.
    let asked = 0;
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        asked += 1;
        const res = await fetch(`${base}/api/v1/lots`, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => err);
        if (res instanceof Error) failures.push(res.message);
        else if (res.status !== 200) failures.push(`HTTP ${res.status}`);
        else await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const started = Date.now();
    const step = (what: string) => console.log(`nats test +${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`, JSON.stringify(gates.stats()));
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      step('gates connected');
      const connects = () => ingest.lines.filter((l) => l.msg === 'ingest connected to broker').length;
      expect(connects()).toBe(1);
      await gates.run(100, 3000);
      await cluster.nodes[0]!.kill('SIGKILL');
      step('node 1 killed');
      await gates.run(100, 4000);
      await waitFor(() => connects() >= 2, { timeoutMs: 90_000, what: 'ingest to reconnect to another node' });
      step('ingest reconnected');
      await gates.run(100, 2000);
      // The sensors' own node stalls while JetStream elects new leaders, and they may reconnect:
      // like firmware, every gate repeats its totals (a heartbeat) every 5 s, so the truth arrives.
      await waitFor(() => gates.connected() === site.sensors.length, { timeoutMs: 90_000, what: 'every gate to be connected' });
      gates.heartbeatAll();
      heartbeat = setInterval(() => gates.heartbeatAll(), 5000);
      step('heartbeat sent');
      const stats = gates.stats();
      expect(stats.passes).toBeGreaterThan(100);
      const shown = async (lotId: string) => {
        const res = await fetch(`${base}/api/v1/lots/${lotId}`);
        return res.ok ? ((await res.json()) as LotStatus) : null;
      };
      const exact = async () => (await Promise.all(site.lotIds.map(async (id) => (await shown(id))?.occupied === gates.truth(id)))).every(Boolean);
      await waitFor(exact, { timeoutMs: 60_000, intervalMs: 200, what: 'every lot to show the truth' }).catch(async (err: Error) => {
        const lots = await Promise.all(site.lotIds.map(async (id) => ({ id, truth: gates.truth(id), shown: (await shown(id))?.occupied })));
        const tail = (p: MankuProcess) => p.lines.slice(-15).map((l) => JSON.stringify(l).slice(0, 400)).join('\n');
        const metrics = (await (await fetch(`${base}/metrics`)).text()).split('\n').filter((l) => /^manku_(readings|messages_rejected)_total/.test(l));
        throw new Error(`${err.message}\n${JSON.stringify({ lots, gates: gates.stats() })}\n${metrics.join('\n')}\n--- ingest\n${tail(ingest)}\n--- api\n${tail(procs[1]!)}`);
      });
      step('counts exact');
      const urls = ingest.lines.filter((l) => l.msg === 'ingest connected to broker').map((l) => l.url);
      expect(urls.length).toBeGreaterThanOrEqual(2);
    } finally {
      clearInterval(heartbeat);
      polling = false;
      await poller;
      await gates.stop();
    }
    expect(failures).toEqual([]);
    expect(asked).toBeGreaterThan(20);
  }, 420_000);
});

/**
 * `npm run bench -- ngsi`: how long a change of a lot takes from the gate's publish to the city's
 * broker (a local HTTP receiver answering 204), through the real broker, ingest and NGSI push, in
 * one process. One change at a time (`--gap` ms apart), `--changes` of them; the target:
 * each arrives once, in order, within a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createBroker, hashPassword } from '../../broker/index.js';
import { LotsFile } from '../../core/index.js';
import { createIngest } from '../../ingest/index.js';
import { createPush } from '../../push/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';
import { percentile } from '../support/child.js';

export interface NgsiBenchOptions {
  changes: number;
  gapMs: number;
  flavor: 'ld' | 'v2';
}

export async function ngsiBench(o: NgsiBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-ngsi-'));
  const hash = await hashPassword('bench', { N: 1024 });
  const lots = LotsFile.parse({
    lots: [{ id: 'bench-lot', name: { ja: 'ベンチ', en: 'Bench' }, capacity: 1_000_000, location: { type: 'Point', coordinates: [139.93, 37.49] }, sensors: [{ id: 'bench-gate', passwordHash: hash }] }],
    accounts: ['ingest', 'push'].map((role) => ({ username: `bench-${role}`, role, passwordHash: hash })),
  });
  const arrivals = new Map<number, number[]>();
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d)).on('end', () => {
      const now = performance.now();
      const entities = JSON.parse(body) as Array<{ occupiedSpotNumber?: { value: number } }>;
      for (const e of entities) if (e.occupiedSpotNumber) arrivals.set(e.occupiedSpotNumber.value, [...(arrivals.get(e.occupiedSpotNumber.value) ?? []), now]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const broker = createBroker({ lots, port: 0 });
  const url = `mqtt://127.0.0.1:${(await broker.start()).port}`;
  const ingest = createIngest({ lots, store: createEmbeddedStore({ dataDir: join(dir, 'data') }), mqttUrl: url, username: 'bench-ingest', password: 'bench' });
  await ingest.start();
  const target = { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, flavor: o.flavor };
  const push = createPush({ lots, target, mqttUrl: url, username: 'bench-push', password: 'bench', clientId: 'bench-push' });
  await push.start();
  const gate = await mqtt.connectAsync(url, { username: 'bench-gate', password: 'bench', protocolVersion: 4 });
  console.log(`ngsi benchmark: ${o.changes} changes of one lot, ${o.gapMs} ms apart, NGSI ${o.flavor === 'ld' ? '-LD' : ' v2'} push to a local receiver`);
  const sentAt: number[] = [];
  try {
    for (let i = 1; i <= o.changes; i++) {
      sentAt[i] = performance.now();
      await gate.publishAsync('parking/v1/bench-lot/bench-gate/counter', JSON.stringify({ boot: 1, seq: i, ts: Date.now(), in: i, out: 0 }), { qos: 1 });
      await waitFor(() => arrivals.has(i), { timeoutMs: 10_000, what: `change ${i} at the receiver` });
      await new Promise((r) => setTimeout(r, o.gapMs));
    }
  } finally {
    await gate.endAsync();
    await push.stop();
    await ingest.stop();
    await broker.stop();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const latencies = Array.from({ length: o.changes }, (_, k) => arrivals.get(k + 1)![0]! - sentAt[k + 1]!);
  const order = [...arrivals.keys()];
  const result = {
    changes: o.changes,
    flavor: o.flavor,
    eachOnce: [...arrivals.values()].every((a) => a.length === 1),
    inOrder: order.every((v, k) => k === 0 || v > order[k - 1]!),
    latencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), max: Math.round(Math.max(...latencies)) },
    withinOneSecond: latencies.filter((l) => l <= 1000).length,
    requests: push.stats().requests,
  };
  console.log(`publish -> receiver: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, max ${result.latencyMs.max} ms; ${result.withinOneSecond}/${o.changes} within 1 s; each once: ${result.eachOnce}; in order: ${result.inOrder}`);
  return result;
}

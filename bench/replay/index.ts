/**
 * `npm run bench -- replay`: a 24 h day of a 500-space lot (hospital weekday, 4 gates, heartbeats
 * every 60 s) replayed (a) through the engine alone — the ingest ledger with a store that keeps
 * nothing — and (b) through the real broker + ingest + embedded store, as fast as they take it.
 * Targets: (a) ≤ 1 s, (b) ≤ 30 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker } from '../../broker/index.js';
import { LotsFile } from '../../core/index.js';
import { createScenario, createSimulation, planDeliveries, promisedCount } from '../../firmware-sim/index.js';
import { createIngest, createLedger } from '../../ingest/index.js';
import { createEmbeddedStore, type StorePoint } from '../../storage/index.js';
import { counterTopic } from '../../protocol/index.js';
import { writeBenchLots } from '../support/child.js';
import { waitFor } from '../../testkit/wait.js';

export interface ReplayBenchOptions {
  capacity: number;
  gates: number;
  seed: number;
}

const round = (x: number) => Number(x.toFixed(3));

export async function replayBench(o: ReplayBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-replay-'));
  try {
    const { file, sensors } = await writeBenchLots(dir, 1, o.gates);
    const lots = LotsFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    const lotId = sensors[0]!.lotId;
    const startMs = Date.parse('2026-11-24T00:00:00+09:00');
    const scenario = createScenario({ name: 'weekday', seed: o.seed, startMs, capacity: o.capacity, gates: o.gates });
    const plan = planDeliveries(scenario, {}, { seed: o.seed });
    const expected = promisedCount(plan.deliveries);
    console.log(`replay benchmark: 24 h weekday, ${o.capacity} spaces, ${o.gates} gates, ${scenario.passes.length} passes, ${plan.deliveries.length} messages`);

    // (a) the engine alone
    const topics = sensors.map((s) => counterTopic(s.lotId, s.sensorId));
    const payloads = plan.deliveries.map((d) => Buffer.from(d.payload));
    let kept = 0;
    const engineRuns: number[] = [];
    for (let r = 0; r < 3; r++) {
      const ledger = createLedger({ lots, clock: { now: () => startMs }, store: { write: (p: readonly StorePoint[]) => void (kept += p.length) } });
      const t0 = performance.now();
      for (let i = 0; i < payloads.length; i++) ledger.handle(topics[plan.deliveries[i]!.gate]!, payloads[i]!);
      engineRuns.push((performance.now() - t0) / 1000);
      if (ledger.lot(lotId)!.occupiedRaw !== expected) throw new Error('engine count differs from the promised count');
    }
    const engineSeconds = round(Math.min(...engineRuns));
    console.log(`(a) engine alone: ${engineSeconds} s for the day (best of 3; target <= 1 s)`);

    // (b) broker + ingest + embedded store
    const broker = createBroker({ lots, port: 0 });
    const { port } = await broker.start();
    const url = `mqtt://127.0.0.1:${port}`;
    const ingest = createIngest({ lots, store: createEmbeddedStore({ dataDir: join(dir, 'data') }), mqttUrl: url, username: 'bench-ingest', password: 'bench' });
    await ingest.start();
    const sim = createSimulation({ mqttUrl: url, lotId, sensors: sensors.map((s) => ({ id: s.sensorId, password: 'bench' })), plan });
    const t0 = performance.now();
    await sim.run();
    await waitFor(() => ingest.ledger.stats().accepted === plan.deliveries.length, { timeoutMs: 120_000, what: 'ingest to take the day' });
    const stackSeconds = round((performance.now() - t0) / 1000);
    const count = ingest.ledger.lot(lotId)!.occupiedRaw;
    await sim.stop();
    await ingest.stop();
    await broker.stop();
    console.log(`(b) broker + ingest + store: ${stackSeconds} s for the day (target <= 30 s); final count ${count}, promised ${expected}`);
    return {
      options: o,
      passes: scenario.passes.length,
      messages: plan.deliveries.length,
      engineSeconds,
      engineTargetSeconds: 1,
      stackSeconds,
      stackTargetSeconds: 30,
      countMatches: count === expected,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- drills`: the fault drills of testkit/drills at full size (the short versions
 * run in `npm test`, test/integration/drills.test.ts). Every part is its own `manku` process,
 * killed with SIGKILL; the gates (the load) run in this process. Figures: docs/reliability.md.
 *
 *   --outage-minutes 10  --rate 500  --buffer-points (rate × outage × 1.25)
 *   --kills 10  --kill-budget-minutes (none)  --broker-restarts 3  --clients 1000  --only influx,ingest,broker,api  --seed 1
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRestartDrill } from '../../testkit/drills/api-restart.js';
import { brokerRestartDrill } from '../../testkit/drills/broker-restarts.js';
import { influxOutageDrill } from '../../testkit/drills/influx-outage.js';
import { ingestKillDrill } from '../../testkit/drills/ingest-kills.js';

export interface DrillsBenchOptions {
  outageMinutes: number;
  rate: number;
  bufferPoints: number | null;
  kills: number;
  brokerRestarts: number;
  clients: number;
  only: string[];
  seed: number;
  /** No new ingest kill starts after this many minutes (null: all of them). */
  killBudgetMinutes: number | null;
}

const load = () => loadavg().map((x) => Number(x.toFixed(2)));

export async function drillsBench(o: DrillsBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-drills-'));
  const sub = (name: string) => mkdtempSync(join(dir, `${name}-`));
  const log = (line: string) => console.log(line);
  const results: Record<string, unknown> = {};
  const loadAverage: Record<string, number[]> = { before: load() };
  const wants = (name: string) => o.only.includes(name);
  try {
    if (wants('influx')) {
      const outageMs = Math.round(o.outageMinutes * 60_000);
      const bufferPoints = o.bufferPoints ?? Math.ceil((o.rate * outageMs * 1.25) / 1000);
      console.log(`drill: InfluxDB down ${o.outageMinutes} min at ${o.rate} msg/s, INFLUX_BUFFER_POINTS=${bufferPoints}`);
      results.influxOutage = await influxOutageDrill({ dir: sub('influx'), rate: o.rate, beforeMs: 30_000, outageMs, afterMs: 30_000, bufferPoints, seed: o.seed, drainTimeoutMs: 20 * 60_000, log });
      loadAverage.afterInflux = load();
    }
    if (wants('ingest')) {
      console.log(`drill: ingest SIGKILLed ${o.kills} times at ${o.rate} msg/s`);
      results.ingestKills = await ingestKillDrill({ dir: sub('ingest'), kills: o.kills, rate: o.rate, seed: o.seed, minMs: 2000, maxMs: 10_000, budgetMs: o.killBudgetMinutes === null ? undefined : o.killBudgetMinutes * 60_000, log });
      loadAverage.afterIngest = load();
    }
    if (wants('broker')) {
      console.log(`drill: broker SIGKILLed and restarted ${o.brokerRestarts} times at ${o.rate} msg/s`);
      results.brokerRestarts = await brokerRestartDrill({ dir: sub('broker'), restarts: o.brokerRestarts, rate: o.rate, seed: o.seed, streamMs: 10_000, lots: 4, gatesPerLot: 5, log });
      loadAverage.afterBroker = load();
    }
    if (wants('api')) {
      console.log(`drill: API SIGKILLed with ${o.clients} ws clients and a Chromium widget on a full lot`);
      results.apiRestart = await apiRestartDrill({ dir: sub('api'), clients: o.clients, seed: o.seed, log });
      loadAverage.afterApi = load();
    }
    return { options: o, loadAverage, ...results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

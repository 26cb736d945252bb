/**
 * Drill: ingest (its own process, `manku ingest`, embedded store) SIGKILLed at seeded random
 * moments mid-stream, `kills` times, and started again while the gates keep publishing. After
 * each restart every gate sends its totals once; the lot's status must then equal the truth.
 */
import { createRandom } from '../../firmware-sim/index.js';
import { startManku, type MankuProcess } from '../manku-process.js';
import { waitFor } from '../wait.js';
import { createGates } from './gates.js';
import { countsExact, createSite, watchStatuses } from './site.js';

export interface IngestKillOptions {
  dir: string;
  kills: number;
  /** Passes per second, all gates together. */
  rate: number;
  seed: number;
  /** Each kill comes this long after the previous restart: uniform in [minMs, maxMs]. */
  minMs: number;
  maxMs: number;
  lots?: number;
  gatesPerLot?: number;
  /** How long to wait for exact counts after a restart (ingest works off the broker's backlog first). */
  exactTimeoutMs?: number;
  /** No new kill starts after this long: a slow machine does fewer, and says so (`done` < `planned`). */
  budgetMs?: number;
  log?: (line: string) => void;
}

export interface IngestKill {
  kill: number;
  afterMs: number;
  /** Spawn of the new ingest until it said 'manku ready'. */
  restartMs: number;
  /** Passes published while no ingest ran. */
  passesWhileDown: number;
  /** After the heartbeat that follows the restart, until every lot showed the truth. */
  exactAfterMs: number;
  exact: boolean;
  truth: Record<string, number>;
  shown: Record<string, number | null>;
}

export async function ingestKillDrill(o: IngestKillOptions) {
  const log = o.log ?? (() => {});
  const site = await createSite(o.dir, { lots: o.lots ?? 2, gatesPerLot: o.gatesPerLot ?? 4 });
  const random = createRandom(o.seed);
  const procs: MankuProcess[] = [];
  const start = (role: 'broker' | 'ingest') => {
    const p = startManku(role, site.env);
    procs.push(p);
    return p;
  };
  // started together: ingest retries until the broker listens
  const broker = start('broker');
  let ingest = start('ingest');
  await Promise.all([broker.ready(), ingest.ready()]).catch(async (err: unknown) => {
    for (const p of procs) await p.kill('SIGKILL');
    throw err;
  });
  const watcher = await watchStatuses(site);
  const gates = createGates({ url: site.mqttUrl, sensors: site.sensors, seed: o.seed, capacity: site.capacity });
  const results: IngestKill[] = [];
  try {
    await gates.start();
    const began = Date.now();
    for (let k = 1; k <= o.kills && Date.now() - began < (o.budgetMs ?? Infinity); k++) {
      const afterMs = Math.round(o.minMs + random.next() * (o.maxMs - o.minMs));
      await gates.run(o.rate, afterMs);
      await ingest.kill('SIGKILL');
      const passesBefore = gates.stats().passes;
      const started = Date.now();
      ingest = start('ingest');
      let up = false;
      const ready = ingest.ready().then(() => (up = true));
      await gates.run(o.rate, 300_000, () => up); // the stream goes on while ingest starts
      await ready;
      const restartMs = Date.now() - started;
      const passesWhileDown = gates.stats().passes - passesBefore;
      await gates.run(o.rate, 200);
      gates.heartbeatAll();
      const t0 = Date.now();
      const truth = (id: string) => gates.truth(id);
      const exact = await waitFor(() => countsExact(watcher.latest, site, truth), { timeoutMs: o.exactTimeoutMs ?? 300_000, intervalMs: 50, what: 'counts exact' }).then(
        () => true,
        () => false,
      );
      const result: IngestKill = {
        kill: k,
        afterMs,
        restartMs,
        passesWhileDown,
        exactAfterMs: Date.now() - t0,
        exact,
        truth: Object.fromEntries(site.lotIds.map((id) => [id, truth(id)])),
        shown: Object.fromEntries(site.lotIds.map((id) => [id, watcher.latest.get(id)?.occupied ?? null])),
      };
      results.push(result);
      log(`kill ${k}/${o.kills} after ${afterMs} ms: restart ${restartMs} ms, ${passesWhileDown} passes while down, exact=${exact} after ${result.exactAfterMs} ms`);
    }
    return { planned: o.kills, done: results.length, gates: gates.stats(), kills: results, allExact: results.every((r) => r.exact) };
  } finally {
    await gates.stop();
    await watcher.stop();
    for (const p of procs.reverse()) await p.kill('SIGKILL');
  }
}

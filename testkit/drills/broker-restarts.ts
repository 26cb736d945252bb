/**
 * Drill: the broker (`manku broker`, its own process, sessions and retained messages in memory)
 * SIGKILLed mid-stream and started again on the same port, `restarts` times, with ingest in its
 * own process and the gates publishing throughout. Measures what a restart costs: until the broker
 * listens, until ingest and every sensor are connected again, passes the gates could not send, and
 * CONNACK refusals; after every gate's next message (a heartbeat) the counts must equal the truth.
 */
import { startManku, type MankuProcess } from '../manku-process.js';
import { waitFor } from '../wait.js';
import { createGates } from './gates.js';
import { countsExact, createSite, watchStatuses } from './site.js';

export interface BrokerRestartOptions {
  dir: string;
  restarts: number;
  rate: number;
  seed: number;
  /** Streaming before each kill. */
  streamMs: number;
  lots?: number;
  gatesPerLot?: number;
  log?: (line: string) => void;
}

export interface BrokerRestart {
  restart: number;
  /** Kill until the new broker said 'manku ready'. */
  listeningMs: number;
  /** Kill until every sensor was connected again (they are refused until ingest has resubscribed). */
  sensorsBackMs: number;
  /** Kill until the status of every lot equalled the truth, after every gate sent its totals. */
  exactMs: number;
  exact: boolean;
  /** Passes while a sensor was disconnected: counted by its gate, carried by its next message. */
  unsentPasses: number;
  /** CONNACK refusals (server unavailable) sensors got while ingest had not resubscribed. */
  refusedConnects: number;
}

export async function brokerRestartDrill(o: BrokerRestartOptions) {
  const log = o.log ?? (() => {});
  const site = await createSite(o.dir, { lots: o.lots ?? 2, gatesPerLot: o.gatesPerLot ?? 4 });
  const procs: MankuProcess[] = [];
  const start = (role: 'broker' | 'ingest') => {
    const p = startManku(role, site.env);
    procs.push(p);
    return p;
  };
  // started together: ingest retries until the broker listens
  let broker = start('broker');
  const ingest = start('ingest');
  await Promise.all([broker.ready(), ingest.ready()]).catch(async (err: unknown) => {
    for (const p of procs) await p.kill('SIGKILL');
    throw err;
  });
  const watcher = await watchStatuses(site);
  const gates = createGates({ url: site.mqttUrl, sensors: site.sensors, seed: o.seed, capacity: site.capacity });
  const results: BrokerRestart[] = [];
  const truth = (id: string) => gates.truth(id);
  try {
    await gates.start();
    for (let k = 1; k <= o.restarts; k++) {
      await gates.run(o.rate, o.streamMs);
      const before = gates.stats();
      await broker.kill('SIGKILL');
      const killedAt = Date.now();
      broker = start('broker');
      let listeningMs = 0;
      void broker.ready().then(() => (listeningMs = Date.now() - killedAt), () => {});
      // the gates go on counting; passes while disconnected wait for the next message
      await gates.run(o.rate, 300_000, () => listeningMs > 0 && gates.connected() === site.sensors.length);
      const sensorsBackMs = Date.now() - killedAt;
      await gates.run(o.rate, 500);
      gates.heartbeatAll();
      const exact = await waitFor(() => countsExact(watcher.latest, site, truth), { timeoutMs: 300_000, intervalMs: 50, what: 'counts exact' }).then(
        () => true,
        () => false,
      );
      const after = gates.stats();
      const result: BrokerRestart = {
        restart: k,
        listeningMs,
        sensorsBackMs,
        exactMs: Date.now() - killedAt,
        exact,
        unsentPasses: after.unsent - before.unsent,
        refusedConnects: after.refusedConnects - before.refusedConnects,
      };
      results.push(result);
      log(
        `broker restart ${k}/${o.restarts}: listening after ${listeningMs} ms, all ${site.sensors.length} sensors back after ${sensorsBackMs} ms, ` +
          `exact=${exact} after ${result.exactMs} ms; ${result.unsentPasses} passes held by the gates, ${result.refusedConnects} CONNACK refusals`,
      );
    }
    return { sensors: site.sensors.length, gates: gates.stats(), restarts: results, allExact: results.every((r) => r.exact) };
  } finally {
    await gates.stop();
    await watcher.stop();
    for (const p of procs.reverse()) await p.kill('SIGKILL');
  }
}

/**
 * `npm run bench -- soak --minutes 10`: a split deployment (broker, ingest with InfluxDB, API:
 * three processes, plus influxd) under `--rate` counter messages per second (default 2,000) from
 * `--lots` × `--gates` sensors (default 500 × 4: each sensor 1 msg/s) and `--clients` WebSocket
 * clients (default 5,000, client i on lot i mod lots), the load generators in two more processes.
 * Every 10 s each process reports RSS, heap and its event-loop delay over IPC.
 * `--broker mosquitto`: a real mosquitto 2.0 (bench/soak/broker.ts) instead of the embedded aedes,
 * its RSS read from /proc; `--ingest-partitions N`: ingest as N processes, INGEST_PARTITION k/N.
 * Targets: memory flat after warm-up (growth < 5 % over the last 5 minutes: RSS from the 10-s
 * samples, median of the window's first 3 vs last 3; the JS heap from what each Node service holds
 * after a full GC, asked for at the start of those 5 minutes and at the end, its samples reported
 * beside), zero errors, loop
 * delay p99 <= 50 ms, for every service process (mosquitto: memory only; it has no heap or loop).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../testkit/influxd.js';
import { ask, median, percentile, startChild, stopChild, writeBenchLots } from '../support/child.js';
import { HASH_FORMAT_OF } from '../ingest/brokers.js';
import { startSoakBroker, countOf, type ServiceStats, type SoakBroker, type SoakBrokerKind } from './broker.js';

export interface SoakBenchOptions {
  minutes: number;
  rate: number;
  clients: number;
  lots: number;
  gates: number;
  broker: SoakBrokerKind;
  /** Ingest as this many processes, partitioned by lot (INGEST_PARTITION k/N). */
  ingestPartitions: number;
  /**
   * The nice value of the two load generators (publisher, WebSocket clients). They stand in for
   * sensors and phones on other machines: at the service's priority, each socket write that wakes
   * them lets them preempt the writer, a cost a deployment does not have. 0: same priority.
   */
  generatorsNice: number;
}

/** heap and loop delay are null for a process that is not Node (mosquitto). */
type Report = { at: number; rssMiB: number; heapUsedMiB: number | null; lagP99Ms: number | null; lagMaxMs: number | null } & Record<string, number | null>;

const here = new URL('.', import.meta.url).pathname;
const round = (x: number, d = 1) => Number(x.toFixed(d));
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

/** The whole-run loop delay a service process gave with its final stats (null: not Node). */
function runLagOf(stats: ServiceStats | undefined) {
  const lag = stats?.runLag as { p50Ms: number; p99Ms: number; maxMs: number } | undefined;
  return lag ? { p50Ms: round(lag.p50Ms), p99Ms: round(lag.p99Ms), maxMs: round(lag.maxMs) } : null;
}

type Retained = { rssMiB: number; heapUsedMiB: number | null; gcMs?: number };

/** Growth between two retained-memory samples (after a full GC; mosquitto: its RSS). */
function retainedGrowth(from: Retained | undefined, to: Retained | undefined) {
  if (!from || !to) return null;
  const pct = (a: number, b: number) => round(((b - a) / a) * 100, 2);
  return {
    rss: { fromMiB: round(from.rssMiB), toMiB: round(to.rssMiB), growthPct: pct(from.rssMiB, to.rssMiB) },
    heap: from.heapUsedMiB === null || to.heapUsedMiB === null ? null : { fromMiB: round(from.heapUsedMiB), toMiB: round(to.heapUsedMiB), growthPct: pct(from.heapUsedMiB, to.heapUsedMiB) },
  };
}

/** Growth of a series over the last `windowMs`: median of its first 3 samples there vs of the last 3. */
function growth(series: Report[], key: 'rssMiB' | 'heapUsedMiB', endAt: number, windowMs: number) {
  const last = series.filter((r) => r.at >= endAt - windowMs && r[key] !== null);
  if (last.length < 6) return null;
  const from = median(last.slice(0, 3).map((r) => r[key]!));
  const to = median(last.slice(-3).map((r) => r[key]!));
  return { fromMiB: round(from), toMiB: round(to), growthPct: round(((to - from) / from) * 100, 2) };
}

export async function soakBench(o: SoakBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-soak-'));
  const influxd = await startInfluxd(join(dir, 'influxd'));
  const children: Record<string, ChildProcess> = {};
  const reports: Record<string, Report[]> = { broker: [] };
  const collect = (name: string, proc: ChildProcess) => {
    reports[name] ??= [];
    proc.on('message', (m: Report & { type: string }) => m.type === 'report' && reports[name]!.push(m));
  };
  const listen = (name: string, proc: ChildProcess) => {
    children[name] = proc;
    collect(name, proc);
  };
  let broker: SoakBroker | null = null;
  const load = { before: loadavg().map((x) => round(x, 2)), uptimeBefore: uptime() };
  try {
    const { file, sensors } = await writeBenchLots(dir, o.lots, o.gates, HASH_FORMAT_OF[o.broker]);
    const sensorsFile = join(dir, 'sensors.json');
    const lotsIdsFile = join(dir, 'lot-ids.json');
    writeFileSync(sensorsFile, JSON.stringify(sensors));
    writeFileSync(lotsIdsFile, JSON.stringify([...new Set(sensors.map((s) => s.lotId))]));
    const n = o.ingestPartitions;
    console.log(`soak: ${o.minutes} min, ${o.rate} msg/s from ${sensors.length} sensors in ${o.lots} lots, ${o.clients} WebSocket clients (load generators at nice ${o.generatorsNice}); broker ${o.broker}, ingest in ${n} partition${n > 1 ? 's' : ''}; ${load.uptimeBefore}`);

    const service = { SOAK_LOTS_FILE: file, SOAK_INFLUX_URL: `${influxd.url}/soak` };
    broker = await startSoakBroker(o.broker, { lotsFile: file, env: service, onReport: (r) => reports.broker!.push(r as Report) });
    if (broker.proc) collect('broker', broker.proc); // stopped last, by broker.stop()
    const mqttUrl = broker.url;
    /** One ingest is `ingest`; partitions are `ingest-1` … `ingest-N`. */
    const ingestNames = Array.from({ length: n }, (_, k) => (n === 1 ? 'ingest' : `ingest-${k + 1}`));
    const [api, ...ingests] = await Promise.all([
      startChild(join(here, 'service-proc.ts'), { ...service, SOAK_ROLE: 'api', SOAK_MQTT_URL: mqttUrl }, ['--expose-gc']),
      ...ingestNames.map((_, k) => startChild(join(here, 'service-proc.ts'), { ...service, SOAK_ROLE: 'ingest', SOAK_MQTT_URL: mqttUrl, SOAK_PARTITION: `${k + 1}/${n}` }, ['--expose-gc'])),
    ]);
    ingests.forEach((ingest, k) => listen(ingestNames[k]!, ingest.proc));
    listen('api', api!.proc);
    const serviceNames = ['broker', ...ingestNames, 'api'];
    const publisher = await startChild(join(here, 'publisher-proc.ts'), { SOAK_MQTT_URL: mqttUrl, SOAK_SENSORS_FILE: sensorsFile, SOAK_RATE: String(o.rate) });
    listen('publisher', publisher.proc);
    setPriority(publisher.proc.pid!, o.generatorsNice);
    const clients = await startChild(join(here, 'clients-proc.ts'), { SOAK_WS_URL: `ws://127.0.0.1:${String(api!.ready.port)}/api/v1/live`, SOAK_CLIENTS: String(o.clients), SOAK_LOTS: lotsIdsFile });
    listen('clients', clients.proc);
    setPriority(clients.proc.pid!, o.generatorsNice);
    console.log(`all connected: ${sensors.length} sensors, ${String(clients.ready.connected)} WebSocket clients`);

    /**
     * Memory after a full GC in every service (mosquitto: its latest RSS), at the start of the last
     * 5 minutes and at the end: the judged growth. One forced collection per service each time.
     */
    /** A service's own process: aedes in a child of its own; null for mosquitto (not ours to ask). */
    const procOf = (name: string): ChildProcess | null => (name === 'broker' ? broker!.proc : children[name]!);
    const retained = async (): Promise<Record<string, Retained>> =>
      Object.fromEntries(
        await Promise.all(
          serviceNames.map(async (name) => {
            const proc = procOf(name);
            if (!proc) return [name, { rssMiB: reports.broker!.at(-1)!.rssMiB, heapUsedMiB: null }] as const;
            const m = await ask<Retained>(proc, 'retained');
            return [name, { rssMiB: m.rssMiB, heapUsedMiB: m.heapUsedMiB, gcMs: round(m.gcMs ?? 0) }] as const;
          }),
        ),
      );
    let retainedFrom: Record<string, Retained> | null = null;
    const stats = (name: string): Promise<ServiceStats> => (name === 'broker' ? broker!.stats() : ask<ServiceStats>(children[name]!, 'stats'));
    const allStats = async () => Object.fromEntries(await Promise.all(serviceNames.map(async (name) => [name, await stats(name)] as const)));
    const sum = (all: Record<string, ServiceStats>, names: string[], key: string) => names.reduce((a, name) => a + countOf(all[name]!, key), 0);
    const cpuAtStart = await allStats();
    const started = Date.now();
    publisher.proc.send({ type: 'go' });
    const endAt = started + o.minutes * 60_000;
    const warmupMs = Math.min(60_000, (o.minutes * 60_000) / 5);
    const memoryWindowMs = Math.min(5 * 60_000, o.minutes * 60_000 - warmupMs);
    const shown: Record<string, number> = {};
    let warm = false;
    while (Date.now() < endAt) {
      await new Promise((r) => setTimeout(r, 1000));
      if (!warm && Date.now() >= started + warmupMs) {
        warm = true; // each Node service's whole-run loop delay counts from here
        for (const name of serviceNames) procOf(name)?.send({ type: 'lag-reset' });
      }
      if (!retainedFrom && Date.now() >= endAt - memoryWindowMs) {
        retainedFrom = await retained();
        console.log(`retained memory at the start of the last ${memoryWindowMs / 60_000} min (MiB rss/heap after a full GC): ${Object.entries(retainedFrom).map(([n, m]) => `${n} ${Math.round(m.rssMiB)}/${m.heapUsedMiB === null ? '-' : `${Math.round(m.heapUsedMiB)} (GC ${m.gcMs} ms)`}`).join(' | ')}`);
      }
      const broker = reports.broker!;
      if (broker.length === (shown.broker ?? 0)) continue;
      shown.broker = broker.length;
      const line = Object.entries(reports)
        .map(([name, r]) => r.at(-1))
        .map((r, i) => r && `${Object.keys(reports)[i]} ${Math.round(r.rssMiB)}M${r.heapUsedMiB === null ? '' : `/${Math.round(r.heapUsedMiB)}M lag${round(r.lagP99Ms ?? NaN)}`}`)
        .join(' | ');
      console.log(`t=${Math.round((Date.now() - started) / 1000)}s rss/heap, loop delay p99 ms: ${line}`);
    }
    const retainedTo = await retained(); // still under load
    const final = await new Promise<Record<string, number>>((resolve) => {
      publisher.proc.on('message', (m: { type: string } & Record<string, number>) => m.type === 'final' && resolve(m));
      publisher.proc.send({ type: 'stop' });
    });
    const seconds = (Date.now() - started) / 1000;
    const cpuAtEnd = await allStats();
    // Ingest may be behind: wait (up to 2 min) until it has taken every acknowledged message.
    const stoppedAt = Date.now();
    while (sum(await allStats(), ingestNames, 'accepted') < (final.acked ?? 0) && Date.now() - stoppedAt < 120_000) await new Promise((r) => setTimeout(r, 250));
    const caughtUpAfterS = round((Date.now() - stoppedAt) / 1000);
    const load2 = { after: loadavg().map((x) => round(x, 2)), uptimeAfter: uptime() };
    const perProcess = Object.fromEntries(
      Object.entries(reports).map(([name, all]) => {
        const series = all.filter((r) => r.at >= started);
        const warm = series.filter((r) => r.at >= started + warmupMs && r.at <= endAt);
        const lags = warm.filter((r) => r.lagP99Ms !== null);
        const last = series.at(-1) ?? ({} as Report);
        const cpu = (s?: ServiceStats) => (s ? s.cpuUs.user + s.cpuUs.system : NaN);
        return [
          name,
          {
            samples: series.length,
            /** The judged growth: memory after a full GC at the start of the last 5 minutes and at the end (services only). */
            retained: serviceNames.includes(name) ? retainedGrowth(retainedFrom?.[name], retainedTo[name]) : null,
            /** Sampled memory (median of the window's first 3 vs last 3 reports): garbage included, shown beside. */
            rss: growth(series.filter((r) => r.at <= endAt), 'rssMiB', endAt, memoryWindowMs),
            heap: growth(series.filter((r) => r.at <= endAt), 'heapUsedMiB', endAt, memoryWindowMs),
            /** Event-loop delay p99 per 10 s window after the first minute: the median and the worst window (null: not Node). */
            lagP99Ms: lags.length ? { median: round(median(lags.map((r) => r.lagP99Ms!))), worst: round(Math.max(...lags.map((r) => r.lagP99Ms!))) } : null,
            lagMaxMs: lags.length ? round(Math.max(...lags.map((r) => r.lagMaxMs!))) : null,
            /** Loop delay over the whole load after the warm-up (one histogram, not per window): the target's p99. */
            runLagMs: runLagOf(cpuAtEnd[name]),
            /** Cores it used while the load ran (CPU time / wall time; services only). */
            cores: serviceNames.includes(name) ? round((cpu(cpuAtEnd[name]) - cpu(cpuAtStart[name])) / 1e6 / seconds, 2) : null,
            last,
          },
        ];
      }),
    );
    const end = await allStats();
    const accepted = sum(end, ingestNames, 'accepted');
    const cl = reports.clients!.at(-1)!;
    const svc = Object.values(end);
    const problems = svc.flatMap((r) => r.firstProblems);
    const errors = {
      /** Warn/error lines of the Node services; every line mosquitto logged once listening. */
      serviceLogWarnings: svc.reduce((a, r) => a + countOf(r, 'warn'), 0),
      serviceLogErrors: svc.reduce((a, r) => a + countOf(r, 'error') + countOf(r, 'fatal') + countOf(r, 'uncaught'), 0),
      ingestRejected: sum(end, ingestNames, 'rejected'),
      storeDropped: sum(end, ingestNames, 'dropped'),
      wsDropped: countOf(end.api!, 'wsDropped'),
      publishErrors: final.publishErrors ?? 0,
      sensorDisconnects: final.closes ?? 0,
      wsCloses: cl.closes ?? 0,
      wsErrors: (cl.errors ?? 0) + (cl.serverErrors ?? 0),
      /**
       * Published and acknowledged, but not accepted by ingest. Ingest can have taken more than
       * the publisher counted as acknowledged (acknowledgements in flight when it stopped): 0 then.
       */
      notAccepted: Math.max(0, (final.acked ?? 0) - accepted),
    };
    const totalErrors = Object.values(errors).reduce((a, n) => a + Math.max(0, n), 0);
    const delays = reports.clients!.filter((r) => r.at >= started + warmupMs && r.delayP99Ms !== null);
    const isNode = (name: string) => !(name === 'broker' && o.broker === 'mosquitto');
    const summary = {
      broker: o.broker,
      ingestPartitions: n,
      seconds: round(seconds),
      /** After the load stopped, until ingest had taken every acknowledged message (its backlog). */
      ingestCaughtUpAfterS: caughtUpAfterS,
      achievedRate: Math.round((final.acked ?? 0) / seconds),
      sent: final.sent,
      acked: final.acked,
      accepted,
      stored: sum(end, ingestNames, 'stored'),
      wsClientsAtEnd: cl.connected,
      wsFrames: cl.frames,
      wsFramesPerS: Math.round((cl.frames ?? 0) / seconds),
      statusDelayMs: { p50: median(delays.map((r) => r.delayP50Ms!)), p99OfWindows: percentile(delays.map((r) => r.delayP99Ms!), 50), worstWindowP99: Math.max(...delays.map((r) => r.delayP99Ms!)) },
      errors,
      totalErrors,
      firstProblems: problems,
      targets: {
        memoryGrowthPct: 5,
        lagP99Ms: 50,
        met: {
          // RSS as sampled (what the OS gives the process; a forced GC leaves it no steadier: ±5 %
          // between two such points here) and, for Node services, the JS heap after a full GC (its
          // samples carry a sawtooth of not yet collected garbage of tens of MiB)
          memoryFlat: serviceNames.every((n) => {
            const p = perProcess[n]!;
            return (p.rss?.growthPct ?? Infinity) < 5 && (!isNode(n) || (p.retained?.heap?.growthPct ?? Infinity) < 5);
          }),
          zeroErrors: totalErrors === 0,
          // p99 of the loop delay over the run after the warm-up; `lagP99Ms.worst` (the worst 10-s window) is shown beside it
          lag: serviceNames.filter(isNode).every((n) => (perProcess[n]!.runLagMs?.p99Ms ?? Infinity) <= 50),
        },
      },
    };
    console.log(JSON.stringify({ summary, perProcess: Object.fromEntries(Object.entries(perProcess).map(([n, p]) => [n, { retained: p.retained, rss: p.rss, heap: p.heap, lagP99Ms: p.lagP99Ms, runLagMs: p.runLagMs, cores: p.cores }])) }, null, 2));
    console.log(load2.uptimeAfter);
    return { options: o, placement: `broker (${o.broker}), ${n} ingest process${n > 1 ? 'es' : ''}, API, influxd, the publisher and the WebSocket clients (nice ${o.generatorsNice}) each in their own process, not pinned: the OS spreads them over the 2 vCPUs`, load: { ...load, ...load2 }, summary, perProcess, reports };
  } finally {
    for (const proc of Object.values(children).reverse()) await stopChild(proc).catch(() => proc.kill('SIGKILL'));
    await broker?.stop();
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

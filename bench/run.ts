/**
 * `npm run bench -- <name> [--key value ...]`: runs a benchmark, prints its figures and writes
 * them to bench/results/<name>-<time>.json and bench/results/<name>-latest.json.
 * Benchmarks: ingest, live, floor, live-workers, replay, truth, widget, ngsi, forecast, limits, fuzz, packet-guard, drills, soak, gates, console, brokercost, ingest-cpu.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestBench } from './ingest/index.js';
import { BENCH_BROKERS, type BenchBroker } from './ingest/brokers.js';
import { ngsiBench } from './ngsi/index.js';
import { floorBench } from './floor/index.js';
import { liveWorkersBench } from './live-workers/index.js';
import { fuzzBench } from './fuzz/index.js';
import { packetGuardBench } from './packet-guard/index.js';
import { liveBench } from './live/index.js';
import { replayBench } from './replay/index.js';
import { truthBench } from './truth/index.js';
import { widgetBench } from './widget/index.js';
import { BIRMINGHAM_CSV, forecastBench } from './forecast/index.js';
import { limitsBench } from './limits/index.js';
import { drillsBench } from './drills/index.js';
import { soakBench } from './soak/index.js';
import { SOAK_BROKERS, type SoakBrokerKind } from './soak/broker.js';
import { gatesBench } from './gates/index.js';
import { consoleBench } from './console/index.js';
import { brokerCostBench } from './brokercost/index.js';
import { ingestCpuBench } from './ingest-cpu/index.js';

function benchBrokerOf(name = 'aedes'): BenchBroker {
  if (!(BENCH_BROKERS as readonly string[]).includes(name)) throw new Error(`--broker ${name}: use one of ${BENCH_BROKERS.join(', ')}`);
  return name as BenchBroker;
}

/** A nice value, 0 (as the service) to 19 (lowest priority). */
function niceOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new Error(`--generators-nice ${value}: give a whole number from 0 (same priority as the service) to 19`);
  return n;
}

function soakBrokerOf(name = 'aedes'): SoakBrokerKind {
  if (!(SOAK_BROKERS as readonly string[]).includes(name)) throw new Error(`--broker ${name}: the soak and brokercost run on ${SOAK_BROKERS.join(' or ')}`);
  return name as SoakBrokerKind;
}

function positiveOf(key: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} ${text}: use a whole number ≥ 1`);
  return n;
}

const benches = {
  ingest: (args: Record<string, string>) =>
    ingestBench({
      sensors: Number(args.sensors ?? 20),
      messages: Number(args.messages ?? 60_000),
      runs: Number(args.runs ?? 3),
      lots: Number(args.lots ?? 4),
      rawSession: args['raw-session'] === 'clean' ? 'clean' : 'persistent',
      broker: benchBrokerOf(args.broker),
      pollFrom: args['poll-from'] === 'start' ? 'start' : 'applied',
      ingestNodeFlags: (args['ingest-node-flags'] ?? '').split(' ').filter(Boolean),
      bound: ['1', 'yes', 'true', 'on'].includes(args.bound ?? ''),
    }),
  live: (args: Record<string, string>) =>
    liveBench({
      rate: Number(args.rate ?? 2000),
      seconds: Number(args.seconds ?? 10),
      clients: Number(args.clients ?? 10_000),
      changes: Number(args.changes ?? 20),
      warmupSeconds: Number(args.warmup ?? 2),
      gapMs: Number(args.gap ?? 250),
    }),
  replay: (args: Record<string, string>) =>
    replayBench({ capacity: Number(args.capacity ?? 500), gates: Number(args.gates ?? 4), seed: Number(args.seed ?? 1) }),
  truth: (args: Record<string, string>) => truthBench({ seed: Number(args.seed ?? 1), capacity: Number(args.capacity ?? 200), weeks: Number(args.weeks ?? 6) }),
  widget: (args: Record<string, string>) =>
    widgetBench({ loads: Number(args.loads ?? 10), audits: Number(args.audits ?? 5), traces: Number(args.traces ?? 0), profiles: Number(args.profiles ?? 0), level: args.level === 'vacant' ? 'vacant' : 'crowded' }),
  floor: (args: Record<string, string>) => floorBench({ clients: Number(args.clients ?? 10_000), rounds: Number(args.rounds ?? 10) }),
  'live-workers': (args: Record<string, string>) =>
    liveWorkersBench({ clients: Number(args.clients ?? 10_000), changes: Number(args.changes ?? 20), rounds: Number(args.rounds ?? 10), gapMs: Number(args.gap ?? 250) }),
  ngsi: (args: Record<string, string>) => ngsiBench({ changes: Number(args.changes ?? 50), gapMs: Number(args.gap ?? 100), flavor: args.flavor === 'v2' ? 'v2' : 'ld' }),
  forecast: (args: Record<string, string>) =>
    forecastBench({ csv: args.csv ?? BIRMINGHAM_CSV, trainRuns: Number(args['train-runs'] ?? 15), forecasts: Number(args.forecasts ?? 10_000), simWeeks: Number(args.weeks ?? 8), seed: Number(args.seed ?? 1), refreshLots: Number(args['refresh-lots'] ?? 200) }),
  limits: (args: Record<string, string>) => limitsBench({ addresses: Number(args.addresses ?? 50_000), takes: Number(args.takes ?? 1_000_000) }),
  fuzz: (args: Record<string, string>) =>
    fuzzBench({ seed: Number(args.seed ?? 20261126), packets: Number(args.packets ?? 10_000), payloads: Number(args.payloads ?? 10_000), concurrency: Number(args.concurrency ?? 16) }),
  'packet-guard': (args: Record<string, string>) => packetGuardBench({ packets: Number(args.packets ?? 200_000), rounds: Number(args.rounds ?? 7) }),
  drills: (args: Record<string, string>) =>
    drillsBench({
      outageMinutes: Number(args['outage-minutes'] ?? 10),
      rate: Number(args.rate ?? 500),
      bufferPoints: args['buffer-points'] ? Number(args['buffer-points']) : null,
      kills: Number(args.kills ?? 10),
      brokerRestarts: Number(args['broker-restarts'] ?? 3),
      clients: Number(args.clients ?? 1000),
      only: (args.only ?? 'influx,ingest,broker,api').split(','),
      seed: Number(args.seed ?? 1),
      killBudgetMinutes: args['kill-budget-minutes'] ? Number(args['kill-budget-minutes']) : null,
    }),
  soak: (args: Record<string, string>) =>
    soakBench({
      minutes: Number(args.minutes ?? 10),
      rate: Number(args.rate ?? 2000),
      clients: Number(args.clients ?? 5000),
      lots: Number(args.lots ?? 500),
      gates: Number(args.gates ?? 4),
      broker: soakBrokerOf(args.broker),
      ingestPartitions: positiveOf('ingest-partitions', args['ingest-partitions'] ?? '1'),
      generatorsNice: niceOf(args['generators-nice'] ?? '10'),
    }),
  gates: (args: Record<string, string>) =>
    gatesBench({ lots: Number(args.lots ?? 50), gates: Number(args.gates ?? 4), messages: Number(args.messages ?? 200_000), rounds: Number(args.rounds ?? 5) }),
  console: () => consoleBench(),
  brokercost: (args: Record<string, string>) =>
    brokerCostBench({
      rates: (args.rates ?? '1000,2000,3000,4000').split(',').map(Number),
      stepSeconds: Number(args['step-seconds'] ?? 30),
      lots: Number(args.lots ?? 500),
      gates: Number(args.gates ?? 4),
      stopWhenBehind: args['keep-going'] === undefined,
      profileDir: args.profile ?? null,
      broker: soakBrokerOf(args.broker),
    }),
  'ingest-cpu': (args: Record<string, string>) =>
    ingestCpuBench({ lots: Number(args.lots ?? 500), gates: Number(args.gates ?? 4), messages: Number(args.messages ?? 200_000), runs: Number(args.runs ?? 3), lines: args.lines === 'npm' ? 'npm' : 'ours' }),
};

function parseArgs(argv: string[]) {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!;
    if (!key.startsWith('--')) throw new Error(`unexpected argument "${key}"; options look like --messages 60000`);
    args[key.slice(2)] = argv[++i] ?? '';
  }
  return args;
}

const [name, ...rest] = process.argv.slice(2);
if (!name || !(name in benches)) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--option value ...]`);
  process.exit(2);
}
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform, loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))) };
const result = await benches[name as keyof typeof benches](parseArgs(rest));
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
// The machine may be shared: its load beside the figures (1, 5, 15 min averages).
const record = { bench: name, at: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))) }, ...result };
console.log(`load average (1, 5, 15 min): at start ${machine.loadAverageAtStart.join(', ')}; at end ${record.machine.loadAverageAtEnd.join(', ')}`);
const stamp = record.at.replace(/[:.]/g, '-');
writeFileSync(join(dir, `${name}-${stamp}.json`), `${JSON.stringify(record, null, 2)}\n`);
writeFileSync(join(dir, `${name}-latest.json`), `${JSON.stringify(record, null, 2)}\n`);
console.log(`results written to bench/results/${name}-latest.json`);
process.exit(0);

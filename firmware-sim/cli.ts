/**
 * `npm run sim -- <command>`:
 *   run     simulate gates on a lot: a scenario day with faults, at --speed N × real time or --fast
 *   record  write every counter message to NDJSON (a service account with role ingest)
 *   replay  re-publish a recording with the sensors' credentials
 * `npm run sim -- help` lists the options.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRecorder, createScenario, createSimulation, finalBoots, planDeliveries, readRecording, replayRecording, SCENARIOS, truthAt, type ScenarioName } from './index.js';
import { isTimeZone, startOfDayIn, zoneOffsetMs } from '../protocol/index.js';

const HELP = `usage:
  npm run sim -- run [options]
      --url mqtt://127.0.0.1:1883[,mqtt://…]  --lot demo-hospital  --sensors demo-gate-1,demo-gate-2
      --password demo  ({sensor} in it is replaced by each sensor's id, e.g. pw-{sensor})
      --scenario weekday|weekend|snow  --seed 1  --capacity 200  --date YYYY-MM-DD (default today)  --time-zone Asia/Tokyo (the lot's: the day and the clock shown)
      --from 0 (hour of day)  --hours 24
      --speed 60 (× real time)  or  --fast (as fast as the broker takes it)
      faults: --drop 0.05  --duplicate 0.05  --reorder-ms 10000  --reboots 2  --malformed 0.01
              --skew-ms 0,45000 (per gate)  --offline 1@10:00-10:20 (gate@from-to; repeatable)
      --state ./data/sim-boots.json  (each sensor's boot number, kept across runs like firmware does)
  npm run sim -- record --out day.ndjson [--url ...] [--username demo-ingest --password demo]
  npm run sim -- replay day.ndjson [--url ...] [--password demo] [--speed 1 | --fast]
  TLS (every command): --url mqtts://127.0.0.1:8883 --ca ca.crt [--servername NAME]
      [--cert certs/{sensor}.crt --key certs/{sensor}.key] (a client certificate; {sensor} as in --password)
  A recording of a simulated weekday on demo-hospital: firmware-sim/fixtures/demo-hospital-weekday.ndjson
`;


/** Prints a progress line at most once a second (in place on a terminal). */
function progress(render: () => string) {
  let last = 0;
  return (force = false) => {
    const now = Date.now();
    if (!force && now - last < 1000) return;
    last = now;
    if (process.stdout.isTTY) process.stdout.write(`\r${render().padEnd(90)}`);
    else process.stdout.write(`${render()}\n`);
  };
}

const passwordOf = (template: string, sensorId: string) => template.replaceAll('{sensor}', sensorId);

/** The TLS options every command takes; files are read once per name. */
const TLS_OPTIONS = { ca: { type: 'string' }, servername: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' } } as const;
const TLS_SETTINGS = { ca: '--ca', name: '--url or --servername' };

function readFileOf(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${option} ${file}: ${(err as Error).message}`);
  }
}

/** Each sensor's TLS options from --ca, --servername, --cert and --key ({sensor} in the last two). */
function tlsOptionsFor(values: { ca?: string; servername?: string; cert?: string; key?: string }) {
  const ca = values.ca ? readFileOf('--ca', values.ca) : undefined;
  return (sensorId: string) => ({
    settings: TLS_SETTINGS,
    ...(ca ? { ca } : {}),
    ...(values.servername ? { servername: values.servername } : {}),
    ...(values.cert ? { cert: readFileOf('--cert', passwordOf(values.cert, sensorId)) } : {}),
    ...(values.key ? { key: readFileOf('--key', passwordOf(values.key, sensorId)) } : {}),
  });
}

function readBoots(file: string): Record<string, number> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch (err) {
    throw new Error(`cannot read the sensors' boot counters from ${file}: ${(err as Error).message}; delete it to start again at boot 1`);
  }
}

function writeBoots(file: string, boots: Record<string, number>) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(boots, null, 2)}\n`);
}

/** 00:00 of `date` (YYYY-MM-DD; default today) in `zone`. */
function localMidnight(zone: string, date: string | undefined): number {
  if (!date) return startOfDayIn(zone, Date.now());
  const noonUtc = Date.parse(`${date}T12:00:00Z`);
  if (Number.isNaN(noonUtc) || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return NaN;
  return startOfDayIn(zone, noonUtc - zoneOffsetMs(zone, noonUtc)); // local noon lies within that date
}

async function run(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      lot: { type: 'string', default: 'demo-hospital' },
      'time-zone': { type: 'string', default: 'Asia/Tokyo' },
      sensors: { type: 'string', default: 'demo-gate-1,demo-gate-2' },
      password: { type: 'string', default: 'demo' },
      scenario: { type: 'string', default: 'weekday' },
      seed: { type: 'string', default: '1' },
      capacity: { type: 'string', default: '200' },
      date: { type: 'string' },
      from: { type: 'string', default: '0' },
      hours: { type: 'string', default: '24' },
      speed: { type: 'string', default: '60' },
      fast: { type: 'boolean', default: false },
      drop: { type: 'string', default: '0' },
      duplicate: { type: 'string', default: '0' },
      'reorder-ms': { type: 'string', default: '0' },
      reboots: { type: 'string', default: '0' },
      malformed: { type: 'string', default: '0' },
      'skew-ms': { type: 'string', default: '' },
      offline: { type: 'string', multiple: true, default: [] },
      state: { type: 'string', default: './data/sim-boots.json' },
      ...TLS_OPTIONS,
    },
  });
  if (!(SCENARIOS as readonly string[]).includes(values.scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  const sensors = values.sensors.split(',').filter(Boolean);
  const zone = values['time-zone'];
  if (!isTimeZone(zone)) throw new Error(`--time-zone must be an IANA time zone, e.g. Asia/Tokyo (not "${zone}")`);
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' });
  const startMs = localMidnight(zone, values.date);
  if (Number.isNaN(startMs)) throw new Error('--date must look like 2026-11-24');
  const scenario = createScenario({ name: values.scenario as ScenarioName, seed: Number(values.seed), capacity: Number(values.capacity), gates: sensors.length, startMs });
  const from = startMs + Number(values.from) * 3_600_000;
  const to = from + Number(values.hours) * 3_600_000;
  // Like firmware, each simulated sensor keeps its boot number across runs: every run is a new
  // boot, so a service that already saw this sensor does not take the new run for duplicates.
  const stored = readBoots(values.state);
  const boots = sensors.map((id) => (stored[id] ?? 0) + 1);
  const at = (hhmm: string) => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
    if (!m) throw new Error(`bad time "${hhmm}"; use HH:MM`);
    return startMs + (Number(m[1]) * 60 + Number(m[2])) * 60_000;
  };
  const offline = values.offline.map((spec) => {
    const m = /^(\d+)@(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(spec);
    if (!m) throw new Error(`--offline "${spec}": use GATE@HH:MM-HH:MM, e.g. 1@10:00-10:20 (gates count from 0)`);
    return { gate: Number(m[1]), fromMs: at(m[2]!), toMs: at(m[3]!) };
  });
  const plan = planDeliveries(
    scenario,
    {
      dropRate: Number(values.drop),
      duplicateRate: Number(values.duplicate),
      reorderWindowMs: Number(values['reorder-ms']),
      randomReboots: Number(values.reboots),
      malformedRate: Number(values.malformed),
      clockSkewMs: values['skew-ms'] ? values['skew-ms'].split(',').map(Number) : [],
      offline,
    },
    { seed: Number(values.seed), boots },
  );
  const ended = finalBoots(plan, sensors.length, boots);
  writeBoots(values.state, { ...stored, ...Object.fromEntries(sensors.map((id, i) => [id, ended[i]!])) });
  plan.deliveries = plan.deliveries.filter((d) => d.atMs >= from && d.atMs < to);
  let state = { sent: 0, virtualMs: from };
  const show = progress(() => {
    const occupied = truthAt(scenario, state.virtualMs);
    return `virtual ${clock.format(state.virtualMs)} ${zone} | sent ${state.sent}/${plan.deliveries.length} | true occupancy ${occupied}/${scenario.options.capacity}`;
  });
  const speed = values.fast ? undefined : Number(values.speed);
  console.log(
    `simulating a ${values.scenario} (seed ${values.seed}) on ${values.lot} with ${sensors.length} gates, ` +
      `${clock.format(from)}–${clock.format(to - 1)} ${zone}, ${speed ? `${speed}× real time` : 'as fast as possible'}: ${plan.deliveries.length} messages`,
  );
  const sim = createSimulation({
    mqttUrl: values.url,
    lotId: values.lot,
    sensors: sensors.map((id) => ({ id, password: passwordOf(values.password, id) })),
    plan,
    speed,
    stampNow: Boolean(speed),
    tlsFor: tlsOptionsFor(values),
    progressEvery: 100,
    onProgress: (p) => {
      state = { sent: p.sent, virtualMs: p.virtualMs };
      show();
    },
  });
  const stop = async () => {
    await sim.stop();
    process.exit(130);
  };
  process.once('SIGINT', () => void stop());
  const { sent } = await sim.run();
  show(true);
  await sim.stop();
  console.log(`\ndone: ${sent} messages; faults ${JSON.stringify({ ...plan.log, reboots: plan.log.reboots.length })}`);
}

async function record(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      username: { type: 'string', default: 'demo-ingest' },
      password: { type: 'string', default: 'demo' },
      ...TLS_OPTIONS,
    },
  });
  if (!values.out) throw new Error('record needs --out FILE');
  const tls = tlsOptionsFor(values)(values.username);
  const recorder = createRecorder({ mqttUrl: values.url, username: values.username, password: values.password, file: values.out, tls });
  await recorder.start();
  console.log(`recording counter messages to ${values.out}; Ctrl-C to stop`);
  const show = progress(() => `recorded ${recorder.count} messages`);
  const timer = setInterval(() => show(), 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  clearInterval(timer);
  const count = await recorder.stop();
  console.log(`\nstopped: ${count} messages in ${values.out}`);
}

async function replay(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      password: { type: 'string', default: 'demo' },
      speed: { type: 'string', default: '1' },
      fast: { type: 'boolean', default: false },
      ...TLS_OPTIONS,
    },
  });
  const file = positionals[0];
  if (!file) throw new Error('replay needs a FILE (NDJSON from `npm run sim -- record`)');
  const lines = readRecording(file);
  const speed = values.fast ? 0 : Number(values.speed);
  console.log(`replaying ${lines.length} messages from ${file} ${speed ? `at ${speed}× the recorded pace` : 'as fast as possible'}`);
  let state = { sent: 0, t: lines[0]?.t ?? 0 };
  const show = progress(() => `replayed ${state.sent}/${lines.length} | recorded at ${new Date(state.t).toISOString()}`);
  const sent = await replayRecording({
    mqttUrl: values.url,
    lines,
    passwordFor: (id) => passwordOf(values.password, id),
    speed,
    stampNow: speed > 0,
    tlsFor: tlsOptionsFor(values),
    onProgress: (s, _total, t) => {
      state = { sent: s, t };
      show();
    },
  });
  show(true);
  console.log(`\ndone: ${sent} messages`);
}

async function main([command, ...rest]: string[]) {
  if (command === 'run') return run(rest);
  if (command === 'record') return record(rest);
  if (command === 'replay') return replay(rest);
  process.stdout.write(HELP);
  if (command && command !== 'help' && command !== '--help') process.exitCode = 2;
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`sim: ${err.message}\n`);
  process.exit(1);
});

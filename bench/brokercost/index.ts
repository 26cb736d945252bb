/**
 * `npm run bench -- brokercost`: what the broker and ingest cost per counter message at a fixed
 * rate, and the highest rate they sustain. The soak's parts without the API side: broker, ingest
 * (InfluxDB store, influxd in its own process) and the soak's publisher (`--lots` × `--gates`
 * sensors, QoS 1, paced by the clock), each its own process. The rate steps through `--rates`
 * (msg/s, default 1000,2000,3000,4000), `--step-seconds` each; per step it reports the CPU time
 * (user + system, `process.cpuUsage()`) the broker and ingest spent per message ingest accepted,
 * and ingest's backlog (acknowledged to sensors − accepted by ingest). A step is sustained when
 * the backlog grew by less than one second of traffic over it. `--profile DIR` writes a CPU
 * profile of the broker and of ingest over each step's measured window there
 * (`npx tsx bench/support/profile-top.ts FILE` summarises one). `--broker mosquitto` runs the same
 * against a real mosquitto 2.0 (bench/soak/broker.ts), its CPU time read from /proc (no profile).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../testkit/influxd.js';
import { ask, startChild, stopChild, writeBenchLots } from '../support/child.js';
import { HASH_FORMAT_OF } from '../ingest/brokers.js';
import { startSoakBroker, type SoakBroker, type SoakBrokerKind } from '../soak/broker.js';

export interface BrokerCostOptions {
  rates: number[];
  stepSeconds: number;
  lots: number;
  gates: number;
  /** Stop stepping up once a step was not sustained. */
  stopWhenBehind: boolean;
  /** A folder for CPU profiles of each step (broker-RATE.cpuprofile, ingest-RATE.cpuprofile). */
  profileDir: string | null;
  broker: SoakBrokerKind;
}

type Cpu = { user: number; system: number };
type Stats = { cpuUs: Cpu; accepted?: number };
type Counts = { sent: number; acked: number; publishErrors: number; closes: number };

const soak = new URL('../soak/', import.meta.url).pathname;
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const cpuOf = (s: Stats) => s.cpuUs.user + s.cpuUs.system;
const round = (x: number, d = 1) => Number(x.toFixed(d));

export async function brokerCostBench(o: BrokerCostOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-brokercost-'));
  const influxd = await startInfluxd(join(dir, 'influxd'));
  const children: ChildProcess[] = [];
  let broker: SoakBroker | null = null;
  const uptimeBefore = uptime();
  try {
    const { file, sensors } = await writeBenchLots(dir, o.lots, o.gates, HASH_FORMAT_OF[o.broker]);
    const sensorsFile = join(dir, 'sensors.json');
    writeFileSync(sensorsFile, JSON.stringify(sensors));
    console.log(`brokercost: ${o.broker}, ${sensors.length} sensors in ${o.lots} lots, rates ${o.rates.join(', ')} msg/s, ${o.stepSeconds} s each; ${uptimeBefore}`);
    const service = { SOAK_LOTS_FILE: file, SOAK_INFLUX_URL: `${influxd.url}/brokercost` };
    broker = await startSoakBroker(o.broker, { lotsFile: file, env: service, onReport: () => undefined });
    const mqttUrl = broker.url;
    const ingest = await startChild(join(soak, 'service-proc.ts'), { ...service, SOAK_ROLE: 'ingest', SOAK_MQTT_URL: mqttUrl });
    children.push(ingest.proc);
    const publisher = await startChild(join(soak, 'publisher-proc.ts'), { SOAK_MQTT_URL: mqttUrl, SOAK_SENSORS_FILE: sensorsFile, SOAK_RATE: String(o.rates[0]) });
    children.push(publisher.proc);

    const sample = async () => {
      const [b, i, p] = await Promise.all([broker!.stats(), ask<Stats>(ingest.proc, 'stats'), ask<Counts>(publisher.proc, 'counts')]);
      return { at: performance.now(), brokerCpu: cpuOf(b), ingestCpu: cpuOf(i), accepted: i.accepted ?? 0, acked: p.acked, sent: p.sent, errors: p.publishErrors + p.closes };
    };
    const steps = [];
    publisher.proc.send({ type: 'go' });
    for (const [k, rate] of o.rates.entries()) {
      if (k > 0) publisher.proc.send({ type: 'rate', rate });
      // the first few seconds of a step settle the pace; measure the rest
      await new Promise((r) => setTimeout(r, Math.min(5000, o.stepSeconds * 200)));
      const profiled = [broker.proc, ingest.proc].flatMap((p) => (p ? [p] : [])); // mosquitto is not Node: ingest only
      if (o.profileDir) for (const p of profiled) p.send({ type: 'profile-on' });
      const a = await sample();
      await new Promise((r) => setTimeout(r, o.stepSeconds * 1000 * 0.8));
      const b = await sample();
      if (o.profileDir) {
        const dir = o.profileDir;
        await Promise.all(profiled.map((p) => ask(p, 'profile-off', { file: join(dir, `${p === ingest.proc ? 'ingest' : 'broker'}-${rate}.cpuprofile`) })));
      }
      const seconds = (b.at - a.at) / 1000;
      const accepted = b.accepted - a.accepted;
      const backlog = { start: a.acked - a.accepted, end: b.acked - b.accepted };
      const step = {
        rate,
        seconds: round(seconds),
        sentPerS: Math.round((b.sent - a.sent) / seconds),
        acceptedPerS: Math.round(accepted / seconds),
        /** Broker CPU per message it took from a sensor (acknowledged), ingest's per message it accepted. */
        brokerUsPerMsg: round((b.brokerCpu - a.brokerCpu) / (b.acked - a.acked)),
        ingestUsPerMsg: round((b.ingestCpu - a.ingestCpu) / accepted),
        /** Share of one core each process used over the step. */
        brokerCores: round((b.brokerCpu - a.brokerCpu) / 1e6 / seconds, 2),
        ingestCores: round((b.ingestCpu - a.ingestCpu) / 1e6 / seconds, 2),
        backlog,
        sustained: backlog.end - backlog.start < rate,
        publisherErrors: b.errors,
        load: uptime(),
      };
      console.log(JSON.stringify(step));
      steps.push(step);
      if (o.stopWhenBehind && !step.sustained) break;
    }
    const maxSustained = Math.max(0, ...steps.filter((s) => s.sustained).map((s) => s.rate));
    console.log(`highest sustained step: ${maxSustained} msg/s; ${uptime()}`);
    return { options: o, uptimeBefore, uptimeAfter: uptime(), steps, maxSustained };
  } finally {
    for (const proc of children.reverse()) await stopChild(proc).catch(() => proc.kill('SIGKILL'));
    await broker?.stop();
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

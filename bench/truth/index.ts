/**
 * `npm run bench -- truth`: how truthful is the sign? A full hospital weekday with realistic
 * faults runs through broker + ingest + API on virtual time. Each minute we compare the level the
 * API shows with the level the same rules (hysteresis included) give for the true occupancy.
 *
 * A minute is correct when the API shows the true level — or, while a gate has been silent past
 * staleAfterS, when it shows unknown (情報なし), which is then the truthful answer.
 * Then the sign at arrival (weeks.ts): how often the 30-minute forecast's level is the true level.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../api/index.js';
import { createBroker, hashPassword } from '../../broker/index.js';
import { DEFAULT_THRESHOLDS, LotsFile, nextLevel, type KnownLevel } from '../../core/index.js';
import mqtt from 'mqtt';
import { createScenario, planDeliveries, type FaultOptions } from '../../firmware-sim/index.js';
import { createIngest, messagesTaken } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { counterTopic, type LotStatus } from '../../protocol/index.js';
import { arrivalTruth } from './weeks.js';

export interface TruthBenchOptions {
  seed: number;
  capacity: number;
  /** Simulated weeks for the forecast-at-arrival part (0: skip it). */
  weeks: number;
}

const LOT = 'truth-lot';
const GATES = ['truth-gate-1', 'truth-gate-2'];
const STALE_AFTER_S = 180;

async function settle(check: () => boolean, limitMs = 10_000) {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the stack did not settle in time');
    await new Promise((r) => setImmediate(r));
  }
}

export async function truthBench(o: TruthBenchOptions) {
  const day = await dayTruth(o);
  return { ...day, atArrival: o.weeks > 0 ? await arrivalTruth({ weeks: o.weeks, seed: o.seed, capacity: o.capacity }) : null };
}

async function dayTruth(o: TruthBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-truth-'));
  const hash = await hashPassword('bench', { N: 1024 });
  const lots = LotsFile.parse({
    lots: [{ id: LOT, name: { ja: '真実', en: 'Truth' }, capacity: o.capacity, staleAfterS: STALE_AFTER_S, sensors: GATES.map((id) => ({ id, passwordHash: hash })) }],
    accounts: [
      { username: 'truth-ingest', role: 'ingest', passwordHash: hash },
      { username: 'truth-api', role: 'api', passwordHash: hash },
    ],
  });
  const startMs = Date.parse('2026-11-24T00:00:00+09:00');
  const h = (hours: number) => startMs + hours * 3_600_000;
  let now = startMs - 60_000;
  const clock = { now: () => now, set: (ms: number) => void (now = Math.max(now, ms)) };
  const scenario = createScenario({ name: 'weekday', seed: o.seed, startMs, capacity: o.capacity, gates: 2 });
  const faults: FaultOptions = {
    dropRate: 0.05,
    duplicateRate: 0.05,
    reorderWindowMs: 10_000,
    reboots: [
      { gate: 0, atMs: h(9.5) },
      { gate: 1, atMs: h(15.25) },
    ],
    offline: [{ gate: 1, fromMs: h(10), toMs: h(10) + 20 * 60_000 }],
    clockSkewMs: [0, 45_000],
    malformedRate: 0.01,
  };
  const plan = planDeliveries(scenario, faults, { seed: o.seed });

  const broker = createBroker({ lots, port: 0 });
  const { port } = await broker.start();
  const url = `mqtt://127.0.0.1:${port}`;
  const ingest = createIngest({ lots, store: createEmbeddedStore({ dataDir: join(dir, 'data') }), mqttUrl: url, username: 'truth-ingest', password: 'bench', clock, tickMs: 3_600_000 });
  await ingest.start();
  const api = createApi({ lots, mqttUrl: url, username: 'truth-api', password: 'bench', port: 0, clock, tickMs: 3_600_000 });
  const { port: apiPort } = await api.start();
  try {
    // one connection per gate; deliveries are published one at a time, on virtual time
    const gates = await Promise.all(
      GATES.map(
        (id) =>
          new Promise<mqtt.MqttClient>((resolve, reject) => {
            const c = mqtt.connect(url, { username: id, password: 'bench', protocolVersion: 4 });
            c.once('connect', () => resolve(c)).once('error', reject);
          }),
      ),
    );
    const taken = () => messagesTaken(ingest.ledger.stats());
    const lastAccepted: Array<{ boot: number; seq: number; at: number } | null> = [null, null];
    let truthLevel: KnownLevel | null = null;
    let passIndex = 0;
    let di = 0;
    const minutes = { total: 0, correct: 0, vacantWhileFull: 0, levelWhileSilent: 0, unknownWhileFresh: 0 };
    const wrong: Array<{ minute: string; shown: string; truth: string; occupied: number; trueOccupied: number }> = [];
    let silentSince: number | null = null;
    const silentToUnknownS: number[] = [];
    let trueOccupied = 0;

    for (let m = 1; m <= 24 * 60; m++) {
      const T = startMs + m * 60_000;
      // deliver everything due before T, each at its own virtual time, and let ingest take it
      for (; di < plan.deliveries.length && plan.deliveries[di]!.atMs < T; di++) {
        const d = plan.deliveries[di]!;
        clock.set(d.atMs);
        const before = taken();
        await gates[d.gate]!.publishAsync(counterTopic(LOT, GATES[d.gate]!), d.payload, { qos: 1 });
        await settle(() => taken() > before);
        const msg = d.message;
        const prev = lastAccepted[d.gate];
        if (msg && (!prev || msg.boot > prev.boot || (msg.boot === prev.boot && msg.seq > prev.seq))) lastAccepted[d.gate] = { boot: msg.boot, seq: msg.seq, at: d.atMs };
      }
      // the truth up to T, through the same level rules
      for (; passIndex < scenario.truth.length && scenario.truth[passIndex]!.timeMs < T; passIndex++) {
        trueOccupied = scenario.truth[passIndex]!.occupied;
        truthLevel = nextLevel(truthLevel, (trueOccupied / o.capacity) * 100, DEFAULT_THRESHOLDS);
      }
      clock.set(T);
      ingest.refresh();
      const want = ingest.ledger.status(LOT)!;
      const res = await (async () => {
        let shown: LotStatus | null = null;
        const deadline = Date.now() + 5000;
        for (;;) {
          shown = (await (await fetch(`http://127.0.0.1:${apiPort}/api/v1/lots/${LOT}`)).json()) as LotStatus;
          if ((shown.level === want.level && shown.occupied === want.occupied) || Date.now() > deadline) return shown;
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
      const silent = lastAccepted.some((g) => !g || T - g.at > STALE_AFTER_S * 1000);
      const expected = silent ? 'unknown' : truthLevel ?? 'vacant';
      minutes.total += 1;
      if (res.level === expected) minutes.correct += 1;
      else if (wrong.length < 50) wrong.push({ minute: new Date(T).toISOString(), shown: res.level, truth: expected, occupied: res.occupied, trueOccupied });
      if (res.level === 'vacant' && truthLevel === 'full') minutes.vacantWhileFull += 1;
      if (silent && res.level !== 'unknown') minutes.levelWhileSilent += 1;
      if (!silent && res.level === 'unknown') minutes.unknownWhileFresh += 1;
      if (silent && silentSince === null) silentSince = Math.min(...lastAccepted.map((g) => g?.at ?? startMs));
      if (silent && silentSince !== null && res.level === 'unknown' && silentToUnknownS.length < 10) {
        silentToUnknownS.push((T - silentSince) / 1000);
        silentSince = Number.POSITIVE_INFINITY; // counted for this silence
      }
      if (!silent) silentSince = null;
    }
    for (const g of gates) await g.endAsync();
    const result = {
      options: o,
      faults,
      deliveries: plan.deliveries.length,
      faultLog: { ...plan.log, reboots: plan.log.reboots.length },
      minutes: minutes.total,
      correctPercent: Number(((minutes.correct / minutes.total) * 100).toFixed(2)),
      targetPercent: 99,
      vacantWhileTrulyFull: minutes.vacantWhileFull,
      levelWhileGateSilent: minutes.levelWhileSilent,
      unknownWhileAllGatesFresh: minutes.unknownWhileFresh,
      silentToUnknownSeconds: silentToUnknownS.filter((x) => Number.isFinite(x)),
      wrongMinutes: wrong,
    };
    console.log(
      `truth of the sign over a weekday (${minutes.total} minutes, ${plan.deliveries.length} deliveries; 5 % drops, 5 % duplicates, reordering, 2 reboots, gate offline 20 min, skew, malformed):\n` +
        `  correct ${result.correctPercent} % of minutes (target >= 99 %)\n` +
        `  showing 空 while truly 満: ${result.vacantWhileTrulyFull} minutes (must be 0)\n` +
        `  showing a level while a gate is silent past ${STALE_AFTER_S} s: ${result.levelWhileGateSilent} minutes (must be 0)\n` +
        `  unknown while every gate reported: ${result.unknownWhileAllGatesFresh} minutes\n` +
        `  gate silent -> 情報なし after: ${result.silentToUnknownSeconds.join(', ')} s (stale window ${STALE_AFTER_S} s, sampled each minute)`,
    );
    return result;
  } finally {
    await api.stop();
    await ingest.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

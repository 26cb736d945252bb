/**
 * From a scenario's passes to what the broker receives: each gate's messages (one per pass, a
 * heartbeat after 60 s of quiet), then the faults — drops, duplicates, reordering, reboots,
 * offline periods, clock skew, malformed payloads — and a log of them from which the count the
 * protocol promises can be computed. Pure and deterministic for a seed.
 */
import type { CounterMessage } from '../protocol/index.js';
import { createGateCounter } from './gate-counter.js';
import { createRandom } from './random.js';
import type { Scenario } from './scenarios.js';

export interface FaultOptions {
  /** Probability that a message is lost. */
  dropRate?: number;
  /** Probability that a message is delivered twice. */
  duplicateRate?: number;
  /** Each message is delayed by up to this much, so neighbours can swap. */
  reorderWindowMs?: number;
  /** Power cycles at chosen times. */
  reboots?: Array<{ gate: number; atMs: number }>;
  /** This many more at random times and gates. */
  randomReboots?: number;
  /** The gate cannot reach the broker (it keeps counting, and sends its totals when back). */
  offline?: Array<{ gate: number; fromMs: number; toMs: number }>;
  /** Per gate, how far its clock is off (ms). */
  clockSkewMs?: number[];
  /** Probability, per message, of an extra malformed payload from that gate. */
  malformedRate?: number;
}

/**
 * reading: a pass or heartbeat; duplicate: a second copy; resend: the totals a gate sends when it
 * is back online; final: the heartbeat after the day, delivered for sure (a sensor keeps
 * reporting), so every pass of the day is reported; malformed: garbage from the gate.
 */
export type DeliveryKind = 'reading' | 'duplicate' | 'resend' | 'final' | 'malformed';

export interface Delivery {
  /** When the broker receives it (virtual time). */
  atMs: number;
  gate: number;
  kind: DeliveryKind;
  payload: string;
  /** The reading, for every kind but malformed. */
  message?: CounterMessage;
}

export interface FaultLog {
  generated: number;
  dropped: number;
  duplicated: number;
  malformed: number;
  resends: number;
  /** Each power cycle, with the old boot's totals at that moment. */
  reboots: Array<{ gate: number; atMs: number; boot: number; in: number; out: number }>;
}

export interface Plan {
  deliveries: Delivery[];
  log: FaultLog;
}

const MALFORMED = [
  'not json at all',
  '{"boot":1,"seq":',
  '{"boot":1,"seq":1,"ts":0,"in":-1,"out":0}',
  '{"boot":1,"seq":1,"ts":0,"in":1}',
  '{"boot":1,"seq":1,"ts":0,"in":1,"out":0,"extra":true}',
  '[]',
];

/** The boot each gate ends the plan with (to persist, as firmware keeps it in non-volatile memory). */
export function finalBoots(plan: Plan, gates: number, startBoots: number[] = []): number[] {
  return Array.from({ length: gates }, (_, g) => (startBoots[g] ?? 1) + plan.log.reboots.filter((r) => r.gate === g).length);
}

export function planDeliveries(
  scenario: Scenario,
  faults: FaultOptions = {},
  {
    seed = 1,
    heartbeatMs = 60_000,
    boots = [],
  }: {
    seed?: number;
    heartbeatMs?: number;
    /** Each gate's boot number at the start (a real sensor keeps it across power cycles); default 1. */
    boots?: number[];
  } = {},
): Plan {
  const random = createRandom(seed ^ 0x5bd1e995);
  const { gates, startMs, hours } = scenario.options;
  const endMs = startMs + hours * 3_600_000;
  const log: FaultLog = { generated: 0, dropped: 0, duplicated: 0, malformed: 0, resends: 0, reboots: [] };
  const reboots = [...(faults.reboots ?? [])];
  for (let i = 0; i < (faults.randomReboots ?? 0); i++) {
    reboots.push({ gate: random.int(gates), atMs: startMs + random.int(endMs - startMs) });
  }
  const deliveries: Delivery[] = [];

  for (let gate = 0; gate < gates; gate++) {
    const counter = createGateCounter({ boot: boots[gate] ?? 1 });
    const skew = faults.clockSkewMs?.[gate] ?? 0;
    const offline = (faults.offline ?? []).filter((o) => o.gate === gate);
    const isOffline = (t: number) => offline.some((o) => t >= o.fromMs && t < o.toMs);
    // this gate's timeline: passes, reboots, and the moments it comes back online
    type Step = { t: number; pass?: 'in' | 'out'; reboot?: true; back?: true };
    const steps: Step[] = [
      ...scenario.passes.filter((p) => p.gate === gate).map((p) => ({ t: p.timeMs, pass: p.direction })),
      ...reboots.filter((r) => r.gate === gate).map((r) => ({ t: r.atMs, reboot: true as const })),
      ...offline.map((o) => ({ t: o.toMs, back: true as const })),
    ].sort((a, b) => a.t - b.t);
    let last = startMs - heartbeatMs; // so the first heartbeat goes out at the start

    const send = (t: number, message: CounterMessage, kind: DeliveryKind) => {
      log.generated += 1;
      const reliable = kind === 'resend' || kind === 'final';
      if (!reliable && isOffline(t)) return; // no connection: lost (the totals go later)
      if (!reliable && random.chance(faults.dropRate ?? 0)) {
        log.dropped += 1;
        return;
      }
      const at = t + (faults.reorderWindowMs ? random.int(faults.reorderWindowMs) : 0);
      const payload = JSON.stringify(message);
      deliveries.push({ atMs: at, gate, kind, payload, message });
      if (random.chance(faults.duplicateRate ?? 0)) {
        log.duplicated += 1;
        deliveries.push({ atMs: at + 1 + random.int(Math.max(1, faults.reorderWindowMs ?? 1000)), gate, kind: 'duplicate', payload, message });
      }
      if (random.chance(faults.malformedRate ?? 0)) {
        log.malformed += 1;
        deliveries.push({ atMs: at + 1, gate, kind: 'malformed', payload: MALFORMED[random.int(MALFORMED.length)]! });
      }
    };
    const heartbeatsUntil = (t: number) => {
      while (last + heartbeatMs <= t) {
        last += heartbeatMs;
        send(last, counter.heartbeat(last + skew), 'reading');
      }
    };
    for (const step of steps) {
      heartbeatsUntil(step.t);
      if (step.reboot) {
        const before = counter.totals(); // what the old boot had counted when the power went
        counter.reboot();
        log.reboots.push({ gate, atMs: step.t, boot: before.boot, in: before.in, out: before.out });
        last = step.t - heartbeatMs; // a booting sensor reports at once
        heartbeatsUntil(step.t);
      } else if (step.back) {
        log.resends += 1;
        send(step.t, counter.heartbeat(step.t + skew), 'resend');
        last = step.t;
      } else if (step.pass) {
        send(step.t, counter.pass(step.pass, step.t + skew), 'reading');
        last = step.t;
      }
    }
    heartbeatsUntil(endMs - 1);
    send(endMs, counter.heartbeat(endMs + skew), 'final');
  }
  deliveries.sort((a, b) => a.atMs - b.atMs);
  return { deliveries, log };
}

/**
 * The loss the protocol documents as unavoidable: for each reboot, the passes of the old boot after
 * the last of its readings that counted (the highest seq delivered before the new boot's readings).
 */
export function unavoidableLoss(plan: Plan): number {
  let loss = 0;
  for (const r of plan.log.reboots) {
    let best: CounterMessage | null = null;
    let laterBootSeen = false;
    for (const d of plan.deliveries) {
      if (d.gate !== r.gate || !d.message) continue;
      if (d.message.boot > r.boot) laterBootSeen = true;
      if (d.message.boot === r.boot && !laterBootSeen && (!best || d.message.seq > best.seq)) best = d.message;
    }
    loss += r.in - r.out - (best ? best.in - best.out : 0);
  }
  return loss;
}

/**
 * The count the protocol promises for these deliveries, in this order: for each gate and boot,
 * the totals of its highest-seq reading that arrives before any reading of a later boot of that
 * gate. Passes after that reading are the protocol's documented, unavoidable loss.
 */
export function promisedCount(deliveries: readonly Delivery[]): number {
  const perGate = new Map<number, { boot: number; bootsDone: number; best: CounterMessage | null }>();
  let total = 0;
  for (const d of deliveries) {
    const m = d.message;
    if (!m) continue;
    let g = perGate.get(d.gate);
    if (!g) perGate.set(d.gate, (g = { boot: m.boot, bootsDone: 0, best: null }));
    if (m.boot < g.boot) continue; // an older boot, arriving late: ignored
    if (m.boot > g.boot) {
      if (g.best) total += g.best.in - g.best.out;
      g.boot = m.boot;
      g.best = null;
    }
    if (!g.best || m.seq > g.best.seq) g.best = m;
  }
  for (const g of perGate.values()) if (g.best) total += g.best.in - g.best.out;
  return total;
}

/**
 * Publishes each lot's gates (retained) for the API and operators: at once when a gate goes
 * silent or comes back (checked on every message and every tick), otherwise coalesced, at most
 * once per `intervalMs` per lot while its counters change. Under load that is one small message per
 * lot every few seconds, whatever the message rate.
 */
import type { LotGates } from '../protocol/index.js';
import type { Clock } from '../core/index.js';
import type { GateTracker } from './gate-tracker.js';

export interface GatePublisherOptions {
  tracker: Pick<GateTracker, 'snapshot' | 'online'>;
  lotIds: readonly string[];
  clock: Clock;
  publish(lotId: string, gates: LotGates): void;
  /** Counter-only changes of a lot are published at most this often. */
  intervalMs?: number;
  /** How often gates are checked for going silent. */
  tickMs?: number;
}

export interface GatePublisher {
  /** A message about this gate was taken. */
  changed(lotId: string, sensorId: string): void;
  /** Something of the lot changed (a calibration, a reset): publish within the interval. */
  touch(lotId: string): void;
  /** Publishes every lot now (on (re)connect). */
  refresh(): void;
  start(): void;
  /** Publishes what is pending and stops. */
  stop(): void;
}

export function createGatePublisher({ tracker, lotIds, clock, publish, intervalMs = 5000, tickMs = 1000 }: GatePublisherOptions): GatePublisher {
  /** What was last published of each gate's online flag, by lot. */
  const shownOnline = new Map<string, Map<string, boolean>>();
  const lastAt = new Map<string, number>();
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let ticker: NodeJS.Timeout | null = null;

  function send(lotId: string) {
    const gates = tracker.snapshot(lotId, clock.now());
    if (!gates) return;
    dirty.delete(lotId);
    lastAt.set(lotId, performance.now());
    shownOnline.set(lotId, new Map(gates.gates.map((g) => [g.sensorId, g.online])));
    publish(lotId, gates);
  }

  function flushDue() {
    timer = null;
    const now = performance.now();
    let next = Infinity;
    for (const lotId of [...dirty]) {
      const due = (lastAt.get(lotId) ?? -Infinity) + intervalMs;
      if (due <= now) send(lotId);
      else next = Math.min(next, due);
    }
    if (next < Infinity) schedule(next - now);
  }

  function schedule(inMs: number) {
    if (timer) return;
    timer = setTimeout(flushDue, Math.max(0, inMs));
    timer.unref();
  }

  const urgent = new Set<string>();
  let urgentTurn: NodeJS.Immediate | null = null;
  function sendUrgent() {
    urgentTurn = null;
    for (const lotId of urgent) if (flipped(lotId)) send(lotId);
    urgent.clear();
  }

  function touch(lotId: string) {
    dirty.add(lotId);
    schedule((lastAt.get(lotId) ?? -Infinity) + intervalMs - performance.now());
  }

  /** True when some gate's online flag differs from what was last published. */
  function flipped(lotId: string): boolean {
    const online = tracker.online(lotId, clock.now());
    const shown = shownOnline.get(lotId);
    if (!online) return false;
    if (!shown) return true;
    for (const [sensorId, on] of online) if (shown.get(sensorId) !== on) return true;
    return false;
  }

  return {
    changed(lotId, sensorId) {
      // A gate not shown online that was just heard from is news now, not in a few seconds; on the
      // next turn of the event loop, so the lot's status (scheduled first) goes out before it.
      if (shownOnline.get(lotId)?.get(sensorId) !== true) {
        urgent.add(lotId);
        urgentTurn ??= setImmediate(sendUrgent);
      }
      touch(lotId);
    },
    touch,
    refresh() {
      for (const lotId of lotIds) send(lotId);
    },
    start() {
      ticker ??= setInterval(() => {
        for (const lotId of lotIds) if (flipped(lotId)) send(lotId);
      }, tickMs);
      ticker.unref();
    },
    stop() {
      if (ticker) clearInterval(ticker);
      ticker = null;
      if (timer) clearTimeout(timer);
      timer = null;
      if (urgentTurn) clearImmediate(urgentTurn);
      urgentTurn = null;
      urgent.clear();
      for (const lotId of [...dirty]) send(lotId);
    },
  };
}

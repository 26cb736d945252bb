/**
 * Per-gate counters and state for operators (issue 13): what each counter message did, by gate,
 * beside the ledger's reference readings (boot, seq, last seen). Fed the ledger's result for every
 * counter message; the ledger itself stays about counting.
 */
import { GATE_OUTCOMES, GATE_REJECTIONS, gateOnline, parseCounterTopic, silentFirst, type GateState, type LotGates } from '../protocol/index.js';
import type { LotsFile } from '../core/index.js';
import type { HandleResult, Ledger } from './ledger.js';

interface GateCounters {
  accepted: number;
  outcomes: Record<string, number>;
  rejected: Record<string, number>;
  clockSkewed: number;
  lastSkewMs: number | null;
  lastMessageMs: number | null;
}

export interface GateTracker {
  /** Counts one counter message's result; returns the gate it was about, or null when it names no known gate. */
  observe(topic: string, result: HandleResult, nowMs: number): { lotId: string; sensorId: string } | null;
  /** The lot's gates as of `nowMs`, silent first; null for a lot not here. */
  snapshot(lotId: string, nowMs: number): LotGates | null;
  /**
   * Each gate's online flag as of `nowMs` (as in `snapshot`), without building the snapshot: the
   * publisher asks this for every lot every second.
   */
  online(lotId: string, nowMs: number): Map<string, boolean> | null;
}

const zeroes = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, 0]));
const iso = (ms: number | null) => (ms === null || ms <= 0 ? null : new Date(ms).toISOString());

export function createGateTracker({ lots, ledger }: { lots: LotsFile; ledger: Pick<Ledger, 'lot'> }): GateTracker {
  const counters = new Map<string, Map<string, GateCounters>>();
  for (const lot of lots.lots) {
    const gates = new Map<string, GateCounters>();
    for (const s of lot.sensors) {
      gates.set(s.id, { accepted: 0, outcomes: zeroes(GATE_OUTCOMES), rejected: zeroes(GATE_REJECTIONS), clockSkewed: 0, lastSkewMs: null, lastMessageMs: null });
    }
    counters.set(lot.id, gates);
  }

  function observe(topic: string, result: HandleResult, nowMs: number) {
    const gate = result.ok ? result : parseCounterTopic(topic);
    const c = gate && counters.get(gate.lotId)?.get(gate.sensorId);
    if (!gate || !c) return null; // a bad topic, an unknown lot or sensor: no gate to count it on
    c.lastMessageMs = nowMs;
    if (!result.ok) {
      c.rejected[result.reason] = (c.rejected[result.reason] ?? 0) + 1;
    } else {
      c.accepted += 1;
      c.outcomes[result.outcome] = (c.outcomes[result.outcome] ?? 0) + 1;
      if (result.skewMs !== undefined) c.lastSkewMs = result.skewMs;
      if (result.skewed) c.clockSkewed += 1;
    }
    return { lotId: gate.lotId, sensorId: gate.sensorId };
  }

  function snapshot(lotId: string, nowMs: number): LotGates | null {
    const state = ledger.lot(lotId);
    const gates = counters.get(lotId);
    if (!state || !gates) return null;
    const { sensors } = state.snapshot();
    const { staleAfterS, capacity } = state.lot;
    const list: GateState[] = [...gates].map(([sensorId, c]) => {
      const s = sensors[sensorId];
      const lastSeenMs = s && s.lastSeenMs > 0 ? s.lastSeenMs : null;
      const referenced = s && !s.rebaseline;
      return {
        sensorId,
        lastSeenAt: iso(lastSeenMs),
        lastMessageAt: iso(c.lastMessageMs),
        boot: referenced ? s.boot : null,
        seq: referenced ? s.seq : null,
        online: gateOnline(lastSeenMs, nowMs, staleAfterS),
        accepted: c.accepted,
        outcomes: { ...c.outcomes },
        rejected: { ...c.rejected },
        clockSkewed: c.clockSkewed,
        lastSkewMs: c.lastSkewMs,
      };
    });
    const raw = state.occupiedRaw;
    return { lotId, at: new Date(nowMs).toISOString(), staleAfterS, capacity, occupiedRaw: raw, drift: raw < 0 || raw > capacity, gates: silentFirst(list) };
  }

  function online(lotId: string, nowMs: number): Map<string, boolean> | null {
    const state = ledger.lot(lotId);
    const gates = counters.get(lotId);
    if (!state || !gates) return null;
    const flags = new Map<string, boolean>();
    for (const sensorId of gates.keys()) flags.set(sensorId, gateOnline(state.lastSeenMs(sensorId), nowMs, state.lot.staleAfterS));
    return flags;
  }

  return { observe, snapshot, online };
}

/**
 * Nudge events aggregated on arrival (issue 15): counts per lot × hour × event × level × arrival
 * level × site, never the events themselves. Pure: time is passed in.
 */
import type { NudgeCount, NudgeEvent, NudgeLevel, NudgeStats } from '../protocol/index.js';

const HOUR_MS = 3_600_000;

export interface NudgeTally {
  /** Counts one event; `origin` is already capped (capOrigin). */
  add(lotId: string, event: NudgeEvent, origin: string, atMs: number): void;
  /** Puts drained counts back (their write failed): added to whatever was counted since. */
  restore(counts: readonly NudgeCount[]): void;
  /** The counts added since the last drain, and forgets them. */
  drain(): NudgeCount[];
}

export function createNudgeTally(): NudgeTally {
  let counts = new Map<string, NudgeCount>();
  function put(n: NudgeCount) {
    const key = JSON.stringify([n.lotId, n.hourMs, n.event, n.level, n.arrival, n.origin]);
    const c = counts.get(key);
    if (c) c.count += n.count;
    else counts.set(key, n);
  }
  return {
    add(lotId, e, origin, atMs) {
      const hourMs = Math.floor(atMs / HOUR_MS) * HOUR_MS;
      put({ lotId, hourMs, event: e.event, level: e.level, arrival: e.arrival ?? 'none', origin, count: 1 });
    },
    restore(drained) {
      for (const c of drained) put({ ...c });
    },
    drain() {
      const out = [...counts.values()];
      counts = new Map();
      return out;
    },
  };
}

/**
 * The site an event is counted under: its origin while the lot has seen fewer than `max` sites,
 * then "other" (a flood of made-up origins cannot grow the store).
 */
export function capOrigin(seen: Set<string>, origin: string | null, max: number): string {
  if (!origin) return 'none';
  if (seen.has(origin)) return origin;
  if (seen.size >= max) return 'other';
  seen.add(origin);
  return origin;
}

const LEVELS: readonly NudgeLevel[] = ['vacant', 'crowded', 'full'];

/** Counts summed into hour or (UTC) day buckets from `fromMs` to `toMs`, with the follow-up rate by level. */
export function summarizeNudges(counts: readonly NudgeCount[], lotId: string, fromMs: number, toMs: number, step: '1h' | '1d'): NudgeStats {
  const stepMs = step === '1h' ? HOUR_MS : 24 * HOUR_MS;
  const start = Math.floor(fromMs / stepMs) * stepMs;
  const buckets = new Map<number, Record<NudgeLevel, { shown: number; followed: number }>>();
  for (let t = start; t < toMs; t += stepMs) buckets.set(t, { vacant: { shown: 0, followed: 0 }, crowded: { shown: 0, followed: 0 }, full: { shown: 0, followed: 0 } });
  for (const c of counts) {
    if (c.lotId !== lotId || c.hourMs < fromMs || c.hourMs >= toMs) continue;
    const b = buckets.get(Math.floor(c.hourMs / stepMs) * stepMs);
    if (b) b[c.level][c.event] += c.count;
  }
  return {
    lotId,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    step,
    buckets: [...buckets].map(([t, b]) => ({
      t: new Date(t).toISOString(),
      shown: LEVELS.reduce((n, l) => n + b[l].shown, 0),
      followed: LEVELS.reduce((n, l) => n + b[l].followed, 0),
      byLevel: Object.fromEntries(LEVELS.map((l) => [l, { ...b[l], followRate: b[l].shown ? b[l].followed / b[l].shown : null }])) as NudgeStats['buckets'][number]['byLevel'],
    })),
  };
}

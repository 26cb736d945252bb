/**
 * The API's view of live status, fed by the broker's retained status topics, so any number of
 * API processes can run beside one ingest. A status whose newest observation is older than the
 * lot's stale window is served as unknown: that also covers an ingest that has died.
 * Listeners hear of every change of level, occupied, stale or trend, from a message or from time passing.
 */
import pino, { type Logger } from 'pino';
import { decodeWith, LEVEL_LABELS, LotStatus, parseStatusTopic, sameAnnounced } from '../protocol/index.js';
import { systemClock, type Clock, type LotConfig, type LotsFile } from '../core/index.js';

export interface StatusFeedOptions {
  lots: LotsFile;
  clock?: Clock;
  logger?: Logger;
  /** Slack on top of a lot's staleAfterS for ingest's refresh interval. */
  graceMs?: number;
}

export type StatusListener = (status: LotStatus) => void;

export interface StatusFeed {
  /** Takes a message from a lot's status topic. */
  onMessage(topic: string, payload: Buffer): void;
  /** Re-evaluates every lot against the clock; call it every second or so. */
  tick(): void;
  /** The lot's status now, or null for a lot not in the lots file. */
  get(lotId: string): LotStatus | null;
  all(): LotStatus[];
  has(lotId: string): boolean;
  onChange(listener: StatusListener): () => void;
}

function unknownStatus(lot: LotConfig, from?: LotStatus): LotStatus {
  const base = from ?? { occupied: 0, available: lot.capacity, occupancy: 0, observedAt: null };
  return {
    lotId: lot.id,
    name: lot.name,
    capacity: lot.capacity,
    occupied: base.occupied,
    available: base.available,
    occupancy: base.occupancy,
    observedAt: base.observedAt,
    level: 'unknown',
    label: LEVEL_LABELS.unknown,
    stale: true,
  };
}

export function createStatusFeed({ lots, clock = systemClock, logger = pino({ level: 'silent' }), graceMs = 15_000 }: StatusFeedOptions): StatusFeed {
  const log = logger.child({ component: 'status-feed' });
  const config = new Map(lots.lots.map((l) => [l.id, l]));
  const latest = new Map<string, LotStatus>();
  const announced = new Map<string, LotStatus>();
  const listeners = new Set<StatusListener>();

  function get(lotId: string): LotStatus | null {
    const lot = config.get(lotId);
    if (!lot) return null;
    const status = latest.get(lotId);
    if (!status || status.stale) return status ?? unknownStatus(lot);
    const age = status.observedAt === null ? Infinity : clock.now() - Date.parse(status.observedAt);
    return age > lot.staleAfterS * 1000 + graceMs ? unknownStatus(lot, status) : status;
  }

  function check(lotId: string) {
    const now = get(lotId);
    if (!now) return;
    const before = announced.get(lotId);
    if (before && sameAnnounced(before, now)) return;
    announced.set(lotId, now);
    for (const listener of listeners) listener(now);
  }

  return {
    onMessage(topic, payload) {
      const t = parseStatusTopic(topic);
      if (!t || !config.has(t.lotId)) return;
      const parsed = decodeWith(LotStatus, payload);
      if (!parsed.ok || parsed.data.lotId !== t.lotId) {
        log.warn({ topic, err: parsed.ok ? 'lotId does not match topic' : parsed.error }, 'invalid status ignored');
        return;
      }
      latest.set(t.lotId, parsed.data);
      check(t.lotId);
    },
    tick() {
      for (const id of config.keys()) check(id);
    },
    get,
    all: () => lots.lots.map((l) => get(l.id)!),
    has: (lotId) => config.has(lotId),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

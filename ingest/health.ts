/** What ingest tells the API about itself: liveness, store state, counters, sensors online. */
import type { IngestHealth } from '../protocol/index.js';
import type { Clock } from '../core/index.js';
import type { OccupancyStore } from '../storage/index.js';
import type { Ledger, LedgerStats } from './ledger.js';

export function buildHealth(
  clientId: string,
  ledger: Pick<Ledger, 'lotIds' | 'lot'>,
  stats: LedgerStats & { calibrationsExpired: number },
  store: Pick<OccupancyStore, 'stats'>,
  clock: Clock,
): IngestHealth {
  const now = clock.now();
  const storeStats = store.stats();
  const sensorsOnline: Record<string, { online: number; total: number }> = {};
  for (const lotId of ledger.lotIds) {
    const state = ledger.lot(lotId)!;
    sensorsOnline[lotId] = { online: state.onlineSensors(now), total: state.lot.sensors.length };
  }
  return {
    clientId,
    running: true,
    at: new Date(now).toISOString(),
    lots: [...ledger.lotIds],
    store: {
      kind: storeStats.kind,
      state: storeStats.state,
      buffered: storeStats.buffered,
      written: storeStats.written,
      dropped: storeStats.dropped,
      lastError: storeStats.lastError,
    },
    messages: {
      accepted: stats.accepted,
      rejected: stats.rejected,
      outcomes: stats.outcomes,
      clockSkewed: stats.clockSkewed,
      drift: stats.drift,
      calibrations: stats.calibrations,
      calibrationsExpired: stats.calibrationsExpired,
      sensorResets: stats.sensorResets,
    },
    sensorsOnline,
  };
}

/** The broker publishes this for us if we vanish without a clean stop. */
export const offlineHealth = (clientId: string, partition?: string): IngestHealth => ({ clientId, running: false, ...(partition ? { partition } : {}) });

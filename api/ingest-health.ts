/** What the API knows of the ingest processes, from their retained health messages. */
import { decodeWith, IngestHealth, parseHealthTopic } from '../protocol/index.js';
import { systemClock, type Clock } from '../core/index.js';

export interface IngestView {
  health: IngestHealth;
  receivedAtMs: number;
}

export interface IngestHealthBoard {
  onMessage(topic: string, payload: Buffer): void;
  /** Every ingest heard from, with how recently. */
  all(): IngestView[];
  /** Why the system is not ready, or [] when it is. */
  problems(): string[];
  /** Every partition `k/N` of the partition counts live ingests report, and whether a live ingest holds it. */
  partitions(): Array<{ partition: string; up: boolean }>;
}

export function createIngestHealthBoard({ clock = systemClock, maxAgeMs = 15_000 }: { clock?: Clock; maxAgeMs?: number } = {}): IngestHealthBoard {
  const views = new Map<string, IngestView>();
  const liveViews = () => {
    const now = clock.now();
    return [...views.values()].filter((v) => v.health.running && now - v.receivedAtMs <= maxAgeMs);
  };
  return {
    onMessage(topic, payload) {
      const clientId = parseHealthTopic(topic);
      if (!clientId) return;
      if (payload.length === 0) return void views.delete(clientId); // a retired ingest's retained health, cleared
      const health = decodeWith(IngestHealth, payload);
      if (health.ok) views.set(clientId, { health: health.data, receivedAtMs: clock.now() });
    },
    all: () => [...views.values()],
    problems() {
      const live = liveViews();
      if (live.length === 0) return ['no ingest has reported in the last ' + Math.round(maxAgeMs / 1000) + ' s'];
      const missing = partitionsOf(live)
        .filter((p) => !p.up)
        .map((p) => `ingest partition ${p.partition} has no live ingest (its lots are not counted; start one with INGEST_PARTITION=${p.partition})`);
      const dropping = live
        .filter((v) => v.health.store?.state === 'dropping')
        .map((v) => `ingest ${v.health.clientId}: store buffer full, dropping points (${v.health.store?.lastError ?? 'no error'})`);
      return [...missing, ...dropping];
    },
    partitions: () => partitionsOf(liveViews()),
  };
}

/**
 * The partitions `k/N` for every N that a live ingest reports, each up when a live ingest holds it
 * or when an ingest without partitions (`1/1`, or one from before partitions) owns every lot.
 * Only live ingests set N: a retired partitioning's last will does not hold readiness back.
 */
export function partitionsOf(live: readonly IngestView[]): Array<{ partition: string; up: boolean }> {
  const held = new Set(live.map((v) => v.health.partition ?? '1/1'));
  const counts = [...new Set([...held].map((p) => Number(p.split('/')[1])))].filter((n) => n > 1).sort((a, b) => a - b);
  const whole = held.has('1/1');
  return counts.flatMap((n) => Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).map((partition) => ({ partition, up: whole || held.has(partition) })));
}

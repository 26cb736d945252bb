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
}

export function createIngestHealthBoard({ clock = systemClock, maxAgeMs = 15_000 }: { clock?: Clock; maxAgeMs?: number } = {}): IngestHealthBoard {
  const views = new Map<string, IngestView>();
  return {
    onMessage(topic, payload) {
      const clientId = parseHealthTopic(topic);
      if (!clientId) return;
      const health = decodeWith(IngestHealth, payload);
      if (health.ok) views.set(clientId, { health: health.data, receivedAtMs: clock.now() });
    },
    all: () => [...views.values()],
    problems() {
      const now = clock.now();
      const live = [...views.values()].filter((v) => v.health.running && now - v.receivedAtMs <= maxAgeMs);
      if (live.length === 0) return ['no ingest has reported in the last ' + Math.round(maxAgeMs / 1000) + ' s'];
      return live
        .filter((v) => v.health.store?.state === 'dropping')
        .map((v) => `ingest ${v.health.clientId}: store buffer full, dropping points (${v.health.store?.lastError ?? 'no error'})`);
    },
  };
}

/**
 * What the API knows of the NGSI push processes, from their retained health messages: for
 * /metrics, and for /readyz, where a failing push is a warning (degraded), never "not ready": the
 * city's platform being down must not take manku's own API out of a load balancer.
 */
import { decodeWith, parsePushHealthTopic, PushHealth } from '../protocol/index.js';
import { systemClock, type Clock } from '../core/index.js';

export interface PushView {
  health: PushHealth;
  receivedAtMs: number;
}

export interface PushHealthBoard {
  onMessage(topic: string, payload: Buffer): void;
  all(): PushView[];
  /** Why the push is not delivering, or [] when it is (or there is none). */
  warnings(): string[];
}

export function createPushHealthBoard({ clock = systemClock, maxAgeMs = 15_000 }: { clock?: Clock; maxAgeMs?: number } = {}): PushHealthBoard {
  const views = new Map<string, PushView>();
  return {
    onMessage(topic, payload) {
      const clientId = parsePushHealthTopic(topic);
      if (!clientId) return;
      const health = decodeWith(PushHealth, payload);
      if (health.ok && health.data.clientId === clientId) views.set(clientId, { health: health.data, receivedAtMs: clock.now() });
    },
    all: () => [...views.values()],
    warnings() {
      const now = clock.now();
      return [...views.values()].flatMap(({ health: h, receivedAtMs }) => {
        if (!h.running) return [`NGSI push ${h.clientId} is not running`];
        if (now - receivedAtMs > maxAgeMs) return [`NGSI push ${h.clientId} has not reported in the last ${Math.round(maxAgeMs / 1000)} s`];
        if (h.state === 'retrying') return [`NGSI push ${h.clientId}: the city's broker is failing (${h.lastError ?? 'no error'}), ${h.pending ?? 0} lot(s) waiting`];
        return [];
      });
    },
  };
}

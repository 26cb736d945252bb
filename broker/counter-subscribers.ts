/**
 * Which counter topics have a subscriber that will keep them: the filters ingest accounts have
 * subscribed to. A sensor is accepted only when its counter topic is covered, so the broker never
 * acknowledges a reading that no subscriber exists for yet (issue: a blind start lost readings
 * that were PUBACKed before ingest's session existed). A persistent session keeps its filters while
 * it is offline (the broker queues for it); a clean session's go when it disconnects.
 */
import { COUNTER_FILTER, counterTopic, filterFor, filterMatches } from '../protocol/index.js';

export interface CounterSubscribers {
  subscribed(clientId: string, filters: readonly string[]): void;
  unsubscribed(clientId: string, filters: readonly string[]): void;
  /** The client disconnected; `clean`: its session (and subscriptions) end with it. */
  disconnected(clientId: string, clean: boolean): void;
  covers(lotId: string, sensorId: string): boolean;
}

export function createCounterSubscribers(): CounterSubscribers {
  const byClient = new Map<string, Set<string>>();
  return {
    subscribed(clientId, filters) {
      let set = byClient.get(clientId);
      if (!set) byClient.set(clientId, (set = new Set()));
      for (const f of filters) set.add(f);
    },
    unsubscribed(clientId, filters) {
      const set = byClient.get(clientId);
      for (const f of filters) set?.delete(f);
    },
    disconnected(clientId, clean) {
      if (clean) byClient.delete(clientId);
    },
    covers(lotId, sensorId) {
      const topic = counterTopic(lotId, sensorId);
      // The filters ingest uses (all lots, or one lot's per partition) by lookup: a partitioned
      // ingest holds thousands of filters, and a reconnect storm asks this once per sensor.
      const usual = [COUNTER_FILTER, filterFor('counter', { lotId }), topic];
      for (const set of byClient.values()) if (usual.some((f) => set.has(f))) return true;
      for (const set of byClient.values()) for (const f of set) if (filterMatches(f, topic)) return true;
      return false;
    },
  };
}

/** What the API knows of the brokers, from their retained health messages. */
import { BrokerHealth, decodeWith, parseBrokerHealthTopic } from '../protocol/index.js';

export interface BrokerHealthBoard {
  onMessage(topic: string, payload: Buffer): void;
  /** The last health heard from each broker. */
  all(): BrokerHealth[];
}

export function createBrokerHealthBoard(): BrokerHealthBoard {
  const latest = new Map<string, BrokerHealth>();
  return {
    onMessage(topic, payload) {
      const brokerId = parseBrokerHealthTopic(topic);
      if (!brokerId) return;
      const health = decodeWith(BrokerHealth, payload);
      if (health.ok && health.data.brokerId === brokerId) latest.set(brokerId, health.data);
    },
    all: () => [...latest.values()],
  };
}

/**
 * The broker's own health message, on its brokerHealth topic (QoS 1, retained): its
 * refusal counts and connected clients, for the API's /metrics wherever the API runs. Sent at
 * start, every `intervalMs`, and `changeDelayMs` after a change (a burst of refusals is one
 * message). The broker publishes it internally; no account may.
 */
import type { BrokerHealth } from '../protocol/index.js';

export interface BrokerHealthReporter {
  start(): void;
  /** Something changed: report soon. */
  changed(): void;
  stop(): void;
}

export function createBrokerHealthReporter({
  snapshot,
  publish,
  intervalMs = 5000,
  changeDelayMs = 100,
}: {
  snapshot: () => BrokerHealth;
  publish: (health: BrokerHealth) => void;
  intervalMs?: number;
  changeDelayMs?: number;
}): BrokerHealthReporter {
  let ticker: NodeJS.Timeout | null = null;
  let soon: NodeJS.Timeout | null = null;
  const report = () => {
    if (soon) clearTimeout(soon);
    soon = null;
    publish(snapshot());
  };
  return {
    start() {
      report();
      ticker = setInterval(report, intervalMs);
      ticker.unref();
    },
    changed() {
      if (!ticker || soon) return;
      soon = setTimeout(report, changeDelayMs);
      soon.unref();
    },
    stop() {
      if (ticker) clearInterval(ticker);
      if (soon) clearTimeout(soon);
      ticker = soon = null;
    },
  };
}

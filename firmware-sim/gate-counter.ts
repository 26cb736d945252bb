/**
 * The counter a gate sensor keeps, exactly as docs/protocol.md asks firmware to: `boot` from
 * persistent storage, `seq` +1 per message, cumulative `in`/`out` since this boot.
 * Pure; the transport (MQTT) is the caller's.
 */
import type { CounterMessage } from '../protocol/index.js';

export interface GateCounter {
  /** A vehicle passed: returns the message to publish. */
  pass(direction: 'in' | 'out', tsMs: number): CounterMessage;
  /** Nothing passed, but at least every 60 s the sensor says it is alive. */
  heartbeat(tsMs: number): CounterMessage;
  /** A power cycle: boot +1, seq and counters back to 0. */
  reboot(): void;
  readonly boot: number;
  /** The current totals, without sending anything. */
  totals(): { boot: number; in: number; out: number };
}

/** @example const gate = createGateCounter({ boot: 1 }); publish(gate.pass('in', Date.now())) */
export function createGateCounter({ boot = 1 }: { boot?: number } = {}): GateCounter {
  let current = boot;
  let seq = 0;
  let inCount = 0;
  let outCount = 0;
  const message = (ts: number): CounterMessage => ({ boot: current, seq: ++seq, ts, in: inCount, out: outCount });
  return {
    pass(direction, ts) {
      if (direction === 'in') inCount += 1;
      else outCount += 1;
      return message(ts);
    },
    heartbeat: message,
    reboot() {
      current += 1;
      seq = 0;
      inCount = 0;
      outCount = 0;
    },
    get boot() {
      return current;
    },
    totals: () => ({ boot: current, in: inCount, out: outCount }),
  };
}

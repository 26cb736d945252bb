/**
 * CPU time of whole processes (ours and others': influxd, mosquitto, nats-server) over a window,
 * from /proc (testkit/proc-stats.ts): a figure that two cores shared with other work do not blur
 * the way wall time does. Resolution is one clock tick (10 ms here): use windows of seconds.
 *
 * @example const m = cpuMeter({ broker: [pid], influxd: [pid2] }); …; m.stop() // { broker: 812000, influxd: 143000 } (µs)
 */
import { procStats } from '../../testkit/proc-stats.js';

/** User + system CPU a process has used so far, in µs; 0 when it is gone. */
function cpuMicros(pid: number): number {
  try {
    const { user, system } = procStats(pid).cpuUs;
    return user + system;
  } catch {
    return 0;
  }
}

/** Starts measuring each named group of processes now; stop() says how many µs of CPU each group used since. */
export function cpuMeter(groups: Record<string, readonly number[]>) {
  const sum = (pids: readonly number[]) => pids.reduce((a, pid) => a + cpuMicros(pid), 0);
  const start = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sum(pids)]));
  return {
    stop(): Record<string, number> {
      return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, Math.round(sum(pids) - start[name]!)]));
    },
  };
}

/** µs per message for each group, and their total. */
export function perMessage(used: Record<string, number>, messages: number): Record<string, number> {
  const per = Object.fromEntries(Object.entries(used).map(([k, us]) => [k, Number((us / messages).toFixed(1))]));
  return { ...per, total: Number((Object.values(used).reduce((a, b) => a + b, 0) / messages).toFixed(1)) };
}

/**
 * Lets through at most `perWindow` events per key per window, and says how many it held back,
 * so a flood of bad messages is logged without flooding the log. Pure: time is passed in.
 */
export interface RateGate {
  /** `pass` is true when this event may be logged; `suppressed` counts the ones held back before it in the previous window. */
  check(key: string, nowMs: number): { pass: boolean; suppressed: number };
}

export function createRateGate({ perWindow = 10, windowMs = 60_000 } = {}): RateGate {
  const windows = new Map<string, { start: number; seen: number }>();
  return {
    check(key, nowMs) {
      const w = windows.get(key);
      if (!w || nowMs - w.start >= windowMs) {
        const suppressed = w ? Math.max(0, w.seen - perWindow) : 0;
        windows.set(key, { start: nowMs, seen: 1 });
        return { pass: true, suppressed };
      }
      w.seen += 1;
      return { pass: w.seen <= perWindow, suppressed: 0 };
    },
  };
}

/**
 * Soak children report on themselves every `intervalMs` over IPC: memory (RSS, heap) and the
 * event loop's delay (p50, p99, max of the window, from perf_hooks), plus whatever `extra` adds.
 * RSS beside heap and external memory says where a growth is: the JS heap, Buffers, or neither.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The loop delay over the whole measured run (not reset every window): reset once the warm-up is
 * over ('lag-reset'), read with the final stats. The target is this run's p99; the per-window
 * p99s show when it was spent.
 */
const run = monitorEventLoopDelay({ resolution: 10 });
run.enable();
export const runLag = {
  reset: () => run.reset(),
  read: () => ({ p50Ms: run.percentile(50) / 1e6, p99Ms: run.percentile(99) / 1e6, maxMs: run.max / 1e6 }),
};

export function reportEvery(intervalMs: number, extra: () => Record<string, unknown> = () => ({})) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    process.send!({
      type: 'report',
      at: Date.now(),
      rssMiB: m.rss / 2 ** 20,
      heapUsedMiB: m.heapUsed / 2 ** 20,
      heapTotalMiB: m.heapTotal / 2 ** 20,
      externalMiB: m.external / 2 ** 20, // Buffers and other memory V8 does not manage; arrayBuffers is part of it
      arrayBuffersMiB: m.arrayBuffers / 2 ** 20,
      lagP50Ms: delay.percentile(50) / 1e6,
      lagP99Ms: delay.percentile(99) / 1e6,
      lagMaxMs: delay.max / 1e6,
      ...extra(),
    });
    delay.reset();
  }, intervalMs);
  return () => clearInterval(timer);
}

/**
 * Memory the process still holds after a full garbage collection (the soak runs its services with
 * --expose-gc): what a leak would grow. Sampled memory also holds garbage not yet collected, a
 * sawtooth of tens of MiB whose phase at two moments says nothing about growth.
 */
export function retainedMemory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('retainedMemory needs node --expose-gc');
  const t0 = performance.now();
  gc(); // a full, stop-the-world collection: ~0.2–0.9 s here, twice per soak
  const gcMs = performance.now() - t0;
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapUsedMiB: m.heapUsed / 2 ** 20, externalMiB: m.external / 2 ** 20, gcMs };
}

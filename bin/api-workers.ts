/**
 * `API_WORKERS=n` (issue 9): n API processes under node:cluster sharing one port. Node 20's `net`
 * ignores `reusePort` (22.12 added it), so the cluster primary holds the listening socket and hands
 * connections to the workers in turn. Each worker is a whole `manku api`: its own broker link (a
 * clean session with mqtt.js' random client id, so workers never take each other's session), its
 * own status feed and live hub. The primary only supervises: a worker that dies is logged and
 * replaced; SIGTERM or SIGINT stops every worker cleanly, then the primary.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** What a worker sends the primary once its API listens. */
export const WORKER_READY = 'manku-api-worker-ready';

export interface ApiWorkersOptions {
  count: number;
  logger: Logger;
  /** A worker that dies within this long of its start is replaced after `restartDelayMs`, not at once (no crash loop at full speed). */
  minUptimeMs?: number;
  restartDelayMs?: number;
  /** How long workers have to stop after SIGTERM before they are killed. */
  stopTimeoutMs?: number;
  /** Given, once, how to list the workers that are ready (for gathering their metrics). */
  onReadyWorkers?: (readyWorkers: () => Worker[]) => void;
}

/** Runs in the cluster primary: starts the workers, resolves once all are ready; rejects if one dies before any was ready. */
export function superviseApiWorkers({ count, logger, minUptimeMs = 10_000, restartDelayMs = 1000, stopTimeoutMs = 15_000, onReadyWorkers }: ApiWorkersOptions): Promise<void> {
  const log = logger.child({ component: 'api-workers' });
  const startedAt = new Map<Worker, number>();
  const ready = new Set<Worker>();
  onReadyWorkers?.(() => [...ready]);
  let everReady = false;
  let stopping = false;

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    log.info({ worker: worker.id, pid: worker.process.pid }, 'API worker started');
    return worker;
  };

  async function stopAll(signal: string) {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping API workers');
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w && !w.isDead()));
    const exits = alive.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of alive) w.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const w of alive) if (!w.isDead()) w.process.kill('SIGKILL');
    }, stopTimeoutMs);
    await Promise.all(exits);
    clearTimeout(timer);
    log.info('stopped');
    process.exit(0);
  }
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  // Renewed certificates: every worker re-reads its own.
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });

  return new Promise<void>((resolve, reject) => {
    cluster.on('message', (worker, message: unknown) => {
      if ((message as { kind?: unknown } | null)?.kind !== WORKER_READY) return;
      ready.add(worker);
      log.info({ worker: worker.id, pid: worker.process.pid, ready: ready.size, of: count }, 'API worker ready');
      if (!everReady && ready.size === count) {
        everReady = true;
        resolve();
      }
    });
    cluster.on('exit', (worker, code, signal) => {
      const wasReady = ready.delete(worker);
      const lived = Date.now() - (startedAt.get(worker) ?? 0);
      startedAt.delete(worker);
      if (stopping) return;
      if (!everReady && !wasReady) {
        // A bad certificate or an unreachable port fails every worker alike: stop rather than loop.
        stopping = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
        reject(new Error(`API worker ${worker.id} exited with ${signal ?? code} before it was ready (its error is above)`));
        return;
      }
      const delayMs = lived < minUptimeMs ? restartDelayMs : 0;
      log.error({ worker: worker.id, pid: worker.process.pid, code, signal, livedMs: lived, restartInMs: delayMs }, 'API worker exited; starting another');
      setTimeout(() => stopping || fork(), delayMs);
    });
    for (let i = 0; i < count; i++) fork();
  });
}

/** Runs in a worker once its API listens: tells the primary. */
export function reportWorkerReady(): void {
  process.send?.({ kind: WORKER_READY });
}

/**
 * /metrics with API_WORKERS=n. A scrape reaches one worker (the cluster hands out connections in
 * turn), so that worker asks the primary, which gathers the registry of every worker that is ready
 * and merges them with prom-client's `AggregatorRegistry.aggregate`, by each metric's `aggregator`
 * (api/metrics.ts): what a worker counts itself (WebSocket clients, fan-out, rate limits, timeouts,
 * nudges, process figures) is summed; what every worker hears alike (ingest, broker, push and lot
 * figures from their health and status messages) is taken from one worker. A worker still starting
 * is left out: it has served nothing yet, and waiting for it would fail every scrape meanwhile
 * (prom-client's own `clusterMetrics` asks every worker).
 */
import type { Worker } from 'node:cluster';
import cluster from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

const ASK = 'manku-metrics-ask'; // worker -> primary: a scrape wants everyone's metrics
const GATHER = 'manku-metrics-gather'; // primary -> each ready worker
const GATHERED = 'manku-metrics-gathered'; // each worker -> primary: its registry as JSON
const MERGED = 'manku-metrics-merged'; // primary -> the asking worker: the text, or an error

type Message = { kind?: unknown; id?: unknown; text?: unknown; error?: unknown; metrics?: unknown } | null;
type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** In the cluster primary: answers each worker's ask with the ready workers' metrics merged. */
export function serveClusterMetrics(readyWorkers: () => Worker[], timeoutMs = 5000): void {
  let next = 0;
  const gathering = new Map<number, { from: Set<number>; got: MetricsJson[]; done(error?: string): void }>();
  cluster.on('message', (worker, message: Message) => {
    if (message?.kind === GATHERED && typeof message.id === 'number') {
      const g = gathering.get(message.id);
      if (!g || !g.from.delete(worker.id)) return;
      g.got.push(message.metrics as MetricsJson);
      if (g.from.size === 0) g.done();
      return;
    }
    if (message?.kind !== ASK) return;
    const reply = (body: { text: string } | { error: string }) => worker.isConnected() && worker.send({ kind: MERGED, id: message.id, ...body });
    const id = next++;
    // The asking worker too, should it serve before the primary has heard it is ready.
    const from = [...new Set([...readyWorkers(), worker])].filter((w) => w.isConnected());
    const timer = setTimeout(() => g.done(`API workers ${[...g.from].join(', ')} did not answer within ${timeoutMs} ms`), timeoutMs);
    const g = {
      from: new Set(from.map((w) => w.id)),
      got: [] as MetricsJson[],
      async done(error?: string) {
        if (!gathering.delete(id)) return;
        clearTimeout(timer);
        if (error) return reply({ error });
        try {
          reply({ text: await AggregatorRegistry.aggregate(g.got).metrics() });
        } catch (err) {
          reply({ error: (err as Error).message });
        }
      },
    };
    gathering.set(id, g);
    for (const w of from) w.send({ kind: GATHER, id });
  });
}

/**
 * In a worker: answers the primary's gathering with `registry`, and returns what /metrics serves,
 * every ready worker's metrics merged; rejects when the primary does not answer within `timeoutMs`.
 */
export function clusterMetricsText(registry: Registry, timeoutMs = 10_000): () => Promise<string> {
  let next = 0;
  const waiting = new Map<number, { resolve(text: string): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  process.on('message', (message: Message) => {
    if (message?.kind === GATHER) {
      registry.getMetricsAsJSON().then(
        (metrics) => process.send?.({ kind: GATHERED, id: message.id, metrics }),
        () => undefined, // the primary's timeout says which worker did not answer
      );
      return;
    }
    if (message?.kind !== MERGED || typeof message.id !== 'number') return;
    const w = waiting.get(message.id);
    if (!w) return;
    waiting.delete(message.id);
    clearTimeout(w.timer);
    if (typeof message.text === 'string') w.resolve(message.text);
    else w.reject(new Error(String(message.error ?? 'no metrics in the answer')));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the API primary did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, { resolve, reject, timer });
      process.send!({ kind: ASK, id });
    });
}

/**
 * Prometheus metrics (prom-client), for `GET /metrics`. Ingest's and the broker's counters arrive
 * in their health messages, so they are exposed from here whether they run in this process or another.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type LabelValues } from 'prom-client';
import { createBrokerHealthBoard, type BrokerHealthBoard } from './broker-health.js';
import type { IngestHealthBoard } from './ingest-health.js';
import { gateSeries, type GateSeriesOptions } from './gate-metrics.js';
import type { PushHealthBoard } from './push-health.js';
import type { LiveHub } from './live-hub.js';
import type { StatusFeed } from './status-feed.js';
import type { ForecastModels } from './forecast-models.js';

type Sample<L extends string> = [LabelValues<L>, number];
/** How a metric is merged across API workers (prom-client's aggregators). */
type Across = 'first' | 'sum';

export interface Metrics {
  registry: Registry;
  /** What GET /metrics serves: this registry's text, or, with API_WORKERS, every worker's merged (cluster-metrics.ts). */
  text(): Promise<string>;
  observeFanout(seconds: number, clients: number): void;
  /** Counts one request or upgrade refused with 429. */
  rateLimited(kind: RateLimitKind): void;
  /** Counts one request closed or answered for taking too long. */
  timedOut(kind: TimeoutKind): void;
}

/** http: REST per address; ws_upgrade: upgrades per address; ws_upgrade_global: all upgrades; ws_connections: connections per address. */
export const RATE_LIMIT_KINDS = ['http', 'ws_upgrade', 'ws_upgrade_global', 'ws_connections'] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];
/** request: headers or request not received in time (Node closed it, 408); handler: no answer in time (503). */
export const TIMEOUT_KINDS = ['request', 'handler'] as const;
export type TimeoutKind = (typeof TIMEOUT_KINDS)[number];

export function createMetrics({
  board,
  brokers = createBrokerHealthBoard(),
  hub = null,
  feed,
  pushes = null,
  forecasts = null,
  gates = null,
  gather = (registry) => () => registry.metrics(),
}: {
  /** How /metrics text is made from the registry (with API_WORKERS: gathered from every worker). */
  gather?: (registry: Registry) => () => Promise<string>;
  /** The forecast models (none: no forecast metrics). */
  forecasts?: Pick<ForecastModels, 'stats'> | null;
  /** Per-gate series (gate-metrics.ts), capped; none: no per-gate series. */
  gates?: GateSeriesOptions | null;
  board: IngestHealthBoard;
  /** The NGSI push processes' health (none: no push metrics). */
  pushes?: Pick<PushHealthBoard, 'all'> | null;
  brokers?: BrokerHealthBoard;
  /** The live hub whose clients and drops are exported (none: an app without live push). */
  hub?: Pick<LiveHub, 'stats'> | null;
  feed: Pick<StatusFeed, 'all'>;
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'manku_' });

  /**
   * A metric whose values are read at scrape time. Counters reported by someone else (ingest's
   * totals) are exposed as counters: reset, then incremented to the reported value.
   */
  function collected<L extends string>(kind: 'counter' | 'gauge', name: string, help: string, labelNames: L[], read: () => Sample<L>[], aggregator: Across) {
    const Metric = kind === 'counter' ? Counter : Gauge;
    new Metric<L>({
      name,
      help,
      labelNames,
      aggregator,
      registers: [registry],
      collect(this: Counter<L> | Gauge<L>) {
        this.reset();
        for (const [labels, value] of read()) {
          if (this instanceof Gauge) this.set(labels, value);
          else this.inc(labels, value);
        }
      },
    });
  }
  // Across API workers (cluster-metrics.ts), a figure every worker hears alike (ingest's, the
  // broker's, a lot's) is taken from one of them; one the worker makes itself is summed.
  const reported = <L extends string>(name: string, help: string, labelNames: L[], read: () => Sample<L>[], across: Across = 'first') =>
    collected('counter', name, help, labelNames, read, across);
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], read: () => Sample<L>[], across: Across = 'first') =>
    collected('gauge', name, help, labelNames, read, across);

  const running = () => board.all().filter((v) => v.health.running);
  const each = <L extends string>(f: (v: ReturnType<typeof running>[number]) => Sample<L>[]) => () => running().flatMap(f);

  reported('manku_messages_accepted_total', 'Counter messages that passed validation', ['ingest'], each((v) => [[{ ingest: v.health.clientId }, v.health.messages?.accepted ?? 0]]));
  reported('manku_messages_rejected_total', 'Counter messages rejected, by reason', ['ingest', 'reason'], each((v) =>
    Object.entries(v.health.messages?.rejected ?? {}).map(([reason, n]): Sample<'ingest' | 'reason'> => [{ ingest: v.health.clientId, reason }, n]),
  ));
  reported('manku_readings_total', 'Valid readings by outcome (applied, reboot, anomaly, duplicate, old-boot)', ['ingest', 'outcome'], each((v) =>
    Object.entries(v.health.messages?.outcomes ?? {}).map(([outcome, n]): Sample<'ingest' | 'outcome'> => [{ ingest: v.health.clientId, outcome }, n]),
  ));
  reported('manku_drift_total', 'Readings after which a raw count left 0..capacity', ['ingest'], each((v) => [[{ ingest: v.health.clientId }, v.health.messages?.drift ?? 0]]));
  reported('manku_clock_skewed_total', 'Readings whose sensor clock was past tolerance', ['ingest'], each((v) => [[{ ingest: v.health.clientId }, v.health.messages?.clockSkewed ?? 0]]));
  reported('manku_calibrations_total', 'Calibrations applied', ['ingest'], each((v) => [[{ ingest: v.health.clientId }, v.health.messages?.calibrations ?? 0]]));
  reported('manku_calibrations_expired_total', 'Calibration commands refused because they arrived after their deadline', ['ingest'], each((v) => [[{ ingest: v.health.clientId }, v.health.messages?.calibrationsExpired ?? 0]]));
  reported('manku_sensor_resets_total', "Sensor references reset by an admin", ['ingest'], each((v) => [[{ ingest: v.health.clientId }, v.health.messages?.sensorResets ?? 0]]));
  reported('manku_store_written_points_total', 'Points durably stored', ['ingest', 'store'], each((v) => [[{ ingest: v.health.clientId, store: v.health.store?.kind ?? '' }, v.health.store?.written ?? 0]]));
  reported('manku_store_dropped_points_total', 'Points dropped (buffer overflow or refused by the store)', ['ingest', 'store'], each((v) => [[{ ingest: v.health.clientId, store: v.health.store?.kind ?? '' }, v.health.store?.dropped ?? 0]]));
  gauge('manku_store_buffered_points', 'Points waiting to be stored', ['ingest', 'store'], each((v) => [[{ ingest: v.health.clientId, store: v.health.store?.kind ?? '' }, v.health.store?.buffered ?? 0]]));
  gauge('manku_ingest_up', '1 while an ingest reports itself running', ['ingest'], () => board.all().map((v): Sample<'ingest'> => [{ ingest: v.health.clientId }, v.health.running ? 1 : 0]));
  gauge('manku_ingest_partition_up', '1 while a live ingest holds partition k/N (INGEST_PARTITION) of the partition counts live ingests report', ['partition'], () =>
    board.partitions().map((p): Sample<'partition'> => [{ partition: p.partition }, p.up ? 1 : 0]),
  );
  gauge('manku_sensors_online', 'Sensors heard within the stale window', ['lot'], each((v) =>
    Object.entries(v.health.sensorsOnline ?? {}).map(([lot, s]): Sample<'lot'> => [{ lot }, s.online]),
  ));
  gauge('manku_sensors', 'Sensors configured', ['lot'], each((v) => Object.entries(v.health.sensorsOnline ?? {}).map(([lot, s]): Sample<'lot'> => [{ lot }, s.total])));
  reported('manku_broker_refusals_total', 'Connections and packets the broker refused, by kind', ['broker', 'kind'], () =>
    brokers.all().flatMap((h) => Object.entries(h.refusals).map(([kind, n]): Sample<'broker' | 'kind'> => [{ broker: h.brokerId, kind }, n])),
  );
  gauge('manku_broker_clients', 'MQTT clients connected to the broker', ['broker'], () => brokers.all().map((h): Sample<'broker'> => [{ broker: h.brokerId }, h.clients]));
  gauge('manku_lot_occupied', 'Vehicles in the lot, as served', ['lot'], () => feed.all().map((s): Sample<'lot'> => [{ lot: s.lotId }, s.occupied]));
  gauge('manku_lot_stale', '1 while the lot is unknown (stale)', ['lot'], () => feed.all().map((s): Sample<'lot'> => [{ lot: s.lotId }, s.stale ? 1 : 0]));
  gauge('manku_ws_clients', 'Open live WebSocket connections', [], () => [[{}, hub?.stats().clients ?? 0]], 'sum');
  reported('manku_ws_dropped_total', 'Live WebSocket clients dropped, by reason (heartbeat, slow: too much unread, stalled: stopped reading)', ['reason'], () =>
    Object.entries(hub?.stats().dropped ?? {}).map(([reason, n]): Sample<'reason'> => [{ reason }, n]),
  'sum');
  reported('manku_ws_coalesced_total', 'Live status changes replaced by a newer one of the same lot before they were sent (the hub was behind)', [], () => [[{}, hub?.stats().coalesced ?? 0]], 'sum');
  // The NGSI push (push/), from its health messages: it may run in another process.
  const pushing = () => (pushes?.all() ?? []).filter((v) => v.health.running).map((v) => v.health);
  reported('manku_ngsi_push_requests_total', 'Upserts sent to the city broker, by outcome (delivered, failed: retried, rejected: dropped)', ['push', 'outcome'], () =>
    pushing().flatMap((h) => Object.entries(h.requests ?? {}).map(([outcome, n]): Sample<'push' | 'outcome'> => [{ push: h.clientId, outcome }, n])),
  );
  reported('manku_ngsi_push_entities_total', 'Lot entities delivered to the city broker', ['push'], () => pushing().map((h): Sample<'push'> => [{ push: h.clientId }, h.entities ?? 0]));
  reported('manku_ngsi_push_superseded_total', 'Lot statuses replaced by a newer one before they were sent', ['push'], () => pushing().map((h): Sample<'push'> => [{ push: h.clientId }, h.superseded ?? 0]));
  gauge('manku_ngsi_push_pending', 'Lots waiting to be sent (at most one per lot)', ['push'], () => pushing().map((h): Sample<'push'> => [{ push: h.clientId }, h.pending ?? 0]));
  gauge('manku_ngsi_push_up', '1 while an NGSI push reports itself running', ['push'], () => (pushes?.all() ?? []).map((v): Sample<'push'> => [{ push: v.health.clientId }, v.health.running ? 1 : 0]));
  // Forecast models (api/forecast-models.ts): ready, cold (too little history), pending (not trained yet).
  if (forecasts) {
    gauge('manku_forecast_models', 'Lots by forecast model state (ready, cold: too little history, pending: not trained yet)', ['state'], () =>
      (['ready', 'cold', 'pending'] as const).map((state): Sample<'state'> => [{ state }, forecasts.stats()[state]]),
    );
    reported('manku_forecast_refresh_failures_total', 'Forecast model refreshes that failed (history unreadable); the previous model stays', [], () => [[{}, forecasts.stats().failures]]);
  }
  if (gates) gateSeries(gates, gauge, reported);
  const fanout = new Histogram({
    name: 'manku_ws_fanout_seconds',
    help: 'Time from a status change reaching the live hub to its last write to a subscribed WebSocket client',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const limited = new Counter({ name: 'manku_api_rate_limited_total', help: 'Requests and WebSocket upgrades refused with 429, by limit', labelNames: ['kind'], registers: [registry] });
  for (const kind of RATE_LIMIT_KINDS) limited.inc({ kind }, 0);
  const timeouts = new Counter({ name: 'manku_api_timeouts_total', help: 'Requests closed or answered for taking too long, by kind', labelNames: ['kind'], registers: [registry] });
  for (const kind of TIMEOUT_KINDS) timeouts.inc({ kind }, 0);
  return {
    registry,
    text: gather(registry),
    observeFanout: (seconds) => fanout.observe(seconds),
    rateLimited: (kind) => limited.inc({ kind }),
    timedOut: (kind) => timeouts.inc({ kind }),
  };
}

/**
 * Per-gate Prometheus series (issue 13): `manku_gate_online`, `manku_gate_last_seen_timestamp_seconds`,
 * the gate's readings by outcome, rejections by reason and last clock skew. Cardinality is bounded:
 * at most `maxGates` gates get series (lots-file order); the rest are left out, counted in
 * `manku_gate_series_omitted` and logged once per change.
 */
import pino, { type Logger } from 'pino';
import type { LabelValues } from 'prom-client';
import type { GateBoard } from './gate-board.js';

type Sample<L extends string> = [LabelValues<L>, number];
type Define = <L extends string>(name: string, help: string, labelNames: L[], read: () => Sample<L>[]) => void;

export interface GateSeriesOptions {
  board: Pick<GateBoard, 'all'>;
  /** METRICS_MAX_GATES: gates with per-gate series (each has about 12). */
  maxGates?: number;
  logger?: Logger;
}

type GateRow = { lot: string; gate: string; g: ReturnType<GateBoard['all']>[number]['gates'][number] };

export function gateSeries({ board, maxGates = 1000, logger = pino({ level: 'silent' }) }: GateSeriesOptions, gauge: Define, reported: Define) {
  const log = logger.child({ component: 'metrics' });
  let omittedLogged = 0;
  let omitted = 0;
  /** The gates that get series, read once per metric at scrape time. */
  function rows(): GateRow[] {
    const all = board.all().flatMap((l) => l.gates.map((g) => ({ lot: l.lotId, gate: g.sensorId, g })));
    omitted = Math.max(0, all.length - maxGates);
    if (omitted !== omittedLogged) {
      omittedLogged = omitted;
      if (omitted) log.warn({ gates: all.length, maxGates, omitted }, 'per-gate metrics capped: raise METRICS_MAX_GATES to see every gate');
    }
    return all.slice(0, maxGates);
  }
  type L = 'lot' | 'gate';
  gauge('manku_gate_online', '1 while the gate was heard within its lot\'s stale window, 0 when silent past it', ['lot', 'gate'], () =>
    rows().map(({ lot, gate, g }): Sample<L> => [{ lot, gate }, g.online ? 1 : 0]),
  );
  gauge('manku_gate_last_seen_timestamp_seconds', 'When the gate\'s last counted reading arrived (Unix time; absent: never)', ['lot', 'gate'], () =>
    rows().flatMap(({ lot, gate, g }): Sample<L>[] => (g.lastSeenAt ? [[{ lot, gate }, Date.parse(g.lastSeenAt) / 1000]] : [])),
  );
  gauge('manku_gate_clock_skew_seconds', 'The gate\'s last reading: sensor time minus receive time', ['lot', 'gate'], () =>
    rows().flatMap(({ lot, gate, g }): Sample<L>[] => (g.lastSkewMs === null ? [] : [[{ lot, gate }, g.lastSkewMs / 1000]])),
  );
  reported('manku_gate_readings_total', 'The gate\'s valid readings by outcome, since its ingest started', ['lot', 'gate', 'outcome'], () =>
    rows().flatMap(({ lot, gate, g }) => Object.entries(g.outcomes).map(([outcome, n]): Sample<L | 'outcome'> => [{ lot, gate, outcome }, n])),
  );
  reported('manku_gate_rejected_total', 'The gate\'s messages rejected, by reason (oversize, json, schema)', ['lot', 'gate', 'reason'], () =>
    rows().flatMap(({ lot, gate, g }) => Object.entries(g.rejected).map(([reason, n]): Sample<L | 'reason'> => [{ lot, gate, reason }, n])),
  );
  gauge('manku_gate_series_omitted', 'Gates left out of the per-gate series by METRICS_MAX_GATES', [], () => {
    rows();
    return [[{}, omitted]];
  });
}

/**
 * `manku import-history --csv FILE [--lots FILE] [--max-gap-min 60]`: loads past occupancy into the
 * store the service is configured with (INFLUX_URL, else the embedded store in DATA_DIR), so that
 * /history shows it and forecasts can start on day one (docs/operations.md#importing-history).
 *
 * All or nothing: the whole file is checked first (every row's shape, lot known by name, time not
 * in the future) and when any row is bad, each is reported with its line number and nothing is
 * imported. Re-importing the same file stores the same points again, never twice.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LotConfig } from '../core/index.js';
import { parseHistoryCsv, type CsvProblem, type HistoryRecord } from '../protocol/index.js';
import { importedPoints, importIntoEmbedded, importIntoInflux, type OccupancyPoint } from '../storage/index.js';
import { ConfigError, DEMO_LOTS_FILE, loadEnv, loadLotsFile } from './config.js';

const MAX_ERRORS_SHOWN = 20;

export interface ImportCheck {
  byLot: Map<string, HistoryRecord[]>;
  errors: CsvProblem[];
  outOfRange: number;
  /** Rows with the same lot and time as an earlier one: the later wins. */
  duplicates: number;
}

/** Validates a whole history CSV against the lots: shape, known lot, time not after `nowMs`. Pure. */
export function checkHistoryCsv(text: string, lots: readonly Pick<LotConfig, 'id'>[], nowMs: number): ImportCheck {
  const parsed = parseHistoryCsv(text);
  const errors = [...parsed.errors];
  // parseHistoryCsv keeps good rows in file order, skipping blank and bad lines: recover each row's line.
  const bad = new Set(parsed.errors.map((e) => e.line));
  const lines = text.split(/\r?\n/);
  const rowLines: number[] = [];
  for (let i = 1; i < lines.length && bad.size < lines.length; i++) if (lines[i]!.trim() !== '' && !bad.has(i + 1)) rowLines.push(i + 1);
  const known = new Set(lots.map((l) => l.id));
  const byLot = new Map<string, HistoryRecord[]>();
  parsed.rows.forEach((row, i) => {
    const line = rowLines[i] ?? 0;
    if (!known.has(row.lot)) return errors.push({ line, message: `lot "${row.lot}" is not in the lots file (lots: ${[...known].join(', ')})` });
    if (row.timeMs > nowMs) return errors.push({ line, message: `time ${new Date(row.timeMs).toISOString()} is in the future` });
    let list = byLot.get(row.lot);
    if (!list) byLot.set(row.lot, (list = []));
    list.push(row);
  });
  let duplicates = 0;
  for (const [lot, rows] of byLot) {
    rows.sort((a, b) => a.timeMs - b.timeMs); // stable: a later duplicate stays after an earlier one
    const unique = rows.filter((r, i) => r.timeMs !== rows[i + 1]?.timeMs);
    duplicates += rows.length - unique.length;
    byLot.set(lot, unique);
  }
  errors.sort((a, b) => a.line - b.line);
  return { byLot, errors, outOfRange: parsed.outOfRange, duplicates };
}

function options(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { csv: { type: 'string' }, lots: { type: 'string' }, 'max-gap-min': { type: 'string', default: '60' } } });
  if (!values.csv) throw new ConfigError('usage: manku import-history --csv FILE [--lots FILE] [--max-gap-min 60]');
  const maxGapMin = Number(values['max-gap-min']);
  if (!Number.isInteger(maxGapMin) || maxGapMin < 1) throw new ConfigError(`--max-gap-min must be whole minutes ≥ 1, not "${values['max-gap-min']}"`);
  return { csv: values.csv, lots: values.lots, maxGapMin };
}

/** Runs the command; progress on stderr, a JSON summary on stdout. Throws ConfigError (exit 1) on a bad file. */
export async function importHistoryCommand(
  argv: string[],
  source: NodeJS.ProcessEnv = process.env,
  io: { out: (text: string) => void; err: (text: string) => void } = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<Record<string, unknown>> {
  const o = options(argv);
  const env = loadEnv(source);
  const lotsFile = o.lots ?? env.LOTS_FILE ?? DEMO_LOTS_FILE;
  const lots = loadLotsFile(lotsFile).lots;
  let text: string;
  try {
    text = readFileSync(o.csv, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${o.csv}: ${(err as Error).message}`);
  }
  const nowMs = Date.now();
  const check = checkHistoryCsv(text, lots, nowMs);
  if (check.errors.length > 0) {
    const shown = check.errors.slice(0, MAX_ERRORS_SHOWN).map((e) => `  ${o.csv}:${e.line}: ${e.message}`);
    const more = check.errors.length > MAX_ERRORS_SHOWN ? `\n  … and ${check.errors.length - MAX_ERRORS_SHOWN} more` : '';
    throw new ConfigError(`${check.errors.length} bad row(s) in ${o.csv}; nothing was imported:\n${shown.join('\n')}${more}`);
  }
  const points: OccupancyPoint[] = [];
  const summary: Record<string, { rows: number; points: number; from: string; to: string }> = {};
  for (const [lotId, rows] of check.byLot) {
    const lot = lots.find((l) => l.id === lotId)!;
    const lotPoints = importedPoints(rows, lot, { maxGapMs: o.maxGapMin * 60_000, nowMs });
    points.push(...lotPoints);
    summary[lotId] = { rows: rows.length, points: lotPoints.length, from: new Date(rows[0]!.timeMs).toISOString(), to: new Date(rows.at(-1)!.timeMs).toISOString() };
  }
  const progress = (written: number, total: number) => io.err(`import-history: ${written}/${total} points written\n`);
  let store: string;
  if (env.INFLUX_URL) {
    store = 'influx';
    await importIntoInflux(env.INFLUX_URL, points, { onProgress: progress });
  } else {
    store = 'embedded';
    io.err(`import-history: embedded store in ${resolve(env.DATA_DIR)} (manku must not be running: it would overwrite the snapshot)\n`);
    await importIntoEmbedded(resolve(env.DATA_DIR), points, { historyLimit: env.EMBEDDED_HISTORY_POINTS });
    progress(points.length, points.length);
  }
  const report = { store, lotsFile, rows: [...check.byLot.values()].reduce((n, r) => n + r.length, 0), points: points.length, duplicates: check.duplicates, outOfRange: check.outOfRange, lots: summary };
  io.out(`${JSON.stringify(report)}\n`);
  return report;
}

/**
 * `npm run forecast -- <command>`:
 *   evaluate  the forecaster beside the baselines on a history CSV, same code, same pairs
 *   convert   a file in another format (--format birmingham) to our CSV on stdout
 * `npm run forecast -- help` lists the options.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluate, HOLIDAY_CALENDAR_NAMES, type Evaluation, type HolidayCalendar } from '../core/index.js';
import { isTimeZone, type ParsedHistoryCsv } from '../protocol/index.js';
import { seriesOf } from './forecast-series.js';
import { birminghamToCsv, FORMATS, parseInput, type Format } from './forecast-formats.js';

const HELP = `usage:
  npm run forecast -- evaluate --csv FILE [--time-zone Asia/Tokyo] [--holidays JP|none] [--test-days 14]
                               [--horizons 30,60] [--step 30] [--json] [--format manku|birmingham]
      CSV: lot,time,occupied,capacity (time ISO 8601 with an offset or Z). --json prints
      {"results":[{"method","horizonMin","maePct","n"}],...} on stdout instead of the table.
  npm run forecast -- convert --format birmingham --csv FILE [--time-zone Europe/London] > history.csv
`;

const MAX_ERRORS_SHOWN = 20;

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      csv: { type: 'string' },
      'time-zone': { type: 'string' },
      holidays: { type: 'string' },
      'test-days': { type: 'string', default: '14' },
      horizons: { type: 'string', default: '30,60' },
      step: { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
      format: { type: 'string', default: 'manku' },
    },
  });
  if (!values.csv) throw new Error('--csv FILE is required');
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}`);
  const timeZone = values['time-zone'] ?? (format === 'birmingham' ? 'Europe/London' : 'Asia/Tokyo');
  if (!isTimeZone(timeZone)) throw new Error(`--time-zone must be an IANA time zone, e.g. Asia/Tokyo (not "${timeZone}")`);
  const holidays = (values.holidays ?? (timeZone === 'Asia/Tokyo' ? 'JP' : 'none')) as HolidayCalendar;
  if (!HOLIDAY_CALENDAR_NAMES.includes(holidays)) throw new Error(`--holidays must be one of ${HOLIDAY_CALENDAR_NAMES.join(', ')}`);
  const step = Number(values.step);
  if (!Number.isInteger(step) || step < 1 || 1440 % step !== 0) throw new Error(`--step must be whole minutes dividing a day (e.g. 15, 30, 60), not "${values.step}"`);
  const testDays = Number(values['test-days']);
  if (!Number.isInteger(testDays) || testDays < 1) throw new Error(`--test-days must be a whole number of days ≥ 1, not "${values['test-days']}"`);
  const horizons = values.horizons.split(',').map(Number);
  for (const h of horizons) {
    if (!Number.isInteger(h) || h < 15 || h > 180 || h % step !== 0) throw new Error(`--horizons must be minutes from 15 to 180 and multiples of --step ${step}, not "${values.horizons}"`);
  }
  return { file: values.csv, format, timeZone, holidays, step, testDays, horizons, json: values.json };
}

function readCsv(file: string, format: Format, timeZone: string): ParsedHistoryCsv {
  const parsed = parseInput(readFileSync(file, 'utf8'), format, timeZone);
  if (parsed.errors.length > 0) {
    const shown = parsed.errors.slice(0, MAX_ERRORS_SHOWN).map((e) => `  ${file}:${e.line}: ${e.message}`);
    const more = parsed.errors.length > MAX_ERRORS_SHOWN ? `\n  … and ${parsed.errors.length - MAX_ERRORS_SHOWN} more` : '';
    throw new Error(`${parsed.errors.length} bad row(s); fix them and run again:\n${shown.join('\n')}${more}`);
  }
  return parsed;
}

function table(e: Evaluation, horizons: number[]): string {
  const methods = [...new Set(e.results.map((r) => r.method))];
  const cell = (m: string, h: number) => {
    const r = e.results.find((x) => x.method === m && x.horizonMin === h)!;
    return `${r.maePct.toFixed(2)} (n=${r.n})`.padEnd(18);
  };
  const lines = [
    `test ${e.testFrom} .. ${e.testTo}, ${e.lots} lot(s); MAE in percentage points of capacity`,
    `${'method'.padEnd(12)}${horizons.map((h) => `${h} min`.padEnd(18)).join('')}`,
    ...methods.map((m) => `${m.padEnd(12)}${horizons.map((h) => cell(m, h)).join('')}`),
  ];
  const lotsUntrained = new Set(e.untrained.map((u) => u.lot));
  if (lotsUntrained.size) lines.push(`no forecast (cold start) on ${e.untrained.length} lot-day(s) of ${lotsUntrained.size} lot(s), e.g. ${e.untrained[0]!.lot}: ${e.untrained[0]!.reason}`);
  return lines.join('\n');
}

function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (command === 'evaluate') {
    const o = options(rest);
    const parsed = readCsv(o.file, o.format, o.timeZone);
    const result = evaluate(seriesOf(parsed), { timeZone: o.timeZone, holidays: o.holidays, testDays: o.testDays, horizonsMin: o.horizons, stepMin: o.step });
    const report = { ...result, timeZone: o.timeZone, holidays: o.holidays, stepMin: o.step, rows: parsed.rows.length, rowsOutOfRange: parsed.outOfRange };
    console.log(o.json ? JSON.stringify(report, null, 2) : table(result, o.horizons));
  } else if (command === 'convert') {
    const o = options([...rest, ...(rest.includes('--format') ? [] : ['--format', 'birmingham'])]);
    process.stdout.write(`${birminghamToCsv(readFileSync(o.file, 'utf8'), o.timeZone)}\n`);
  } else {
    process.stdout.write(HELP);
    process.exitCode = command === 'help' || command === undefined ? 0 : 2;
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`forecast: ${(err as Error).message}`);
  process.exitCode = 1;
}

/**
 * `npm run bench -- ingest-cpu`: ingest's own CPU per counter message, in one process, no sockets:
 * `ledger.handle` (topic, JSON, validation, counting), `gates.observe`, the lot's status build (as
 * the status publisher does per changed lot; here once per message, the worst case) and the
 * line protocol of each stored point for InfluxDB (`--lines ours`, storage/influx-line.ts, or
 * `--lines npm`: what npm `influx`'s writePoints built, before 2026-11-26 evening). `--lots` ×
 * `--gates` sensors (default 500 × 4, as brokercost), `--messages` (default 200,000, the first
 * 10 % warm-up), `--runs` (default 3).
 * A figure free of the broker and of the machine's other load, unlike brokercost's.
 */
import { LotsFile } from '../../core/index.js';
import { createGateTracker } from '../../ingest/gate-tracker.js';
import { createLedger } from '../../ingest/ledger.js';
import { toLine } from '../../storage/influx-line.js';
import { npmInfluxLine } from '../../testkit/npm-influx-line.js';
import type { StorePoint } from '../../storage/index.js';
import { FIXTURE_HASH } from '../../test/support/fixtures.js';

export interface IngestCpuOptions { lots: number; gates: number; messages: number; runs: number; lines: 'ours' | 'npm' }

export function ingestCpuBench({ lots: lotCount, gates: gateCount, messages, runs, lines }: IngestCpuOptions) {
  const line = lines === 'npm' ? npmInfluxLine : toLine;
  const lots = LotsFile.parse({
    lots: Array.from({ length: lotCount }, (_, l) => ({
      id: `lot-${l}`, name: { ja: `lot ${l}`, en: `lot ${l}` }, capacity: 400, timeZone: 'Asia/Tokyo',
      sensors: Array.from({ length: gateCount }, (_, g) => ({ id: `l${l}-g${g}`, passwordHash: FIXTURE_HASH })),
    })),
  });
  const results = [];
  for (let run = 0; run < runs; run++) {
    let now = Date.parse('2026-11-26T08:00:00Z');
    let points = 0;
    let bytes = 0;
    const store = { write: (ps: readonly StorePoint[]) => { for (const p of ps) (bytes += line(p).length, points++); } };
    const ledger = createLedger({ lots, clock: { now: () => now }, store });
    const gates = createGateTracker({ lots, ledger });
    // Every sensor in turn, cumulative counters, 2,000 msg/s of clock.
    const msgs = Array.from({ length: messages }, (_, i) => {
      const l = i % lotCount;
      const g = Math.floor(i / lotCount) % gateCount;
      const seq = Math.floor(i / (lotCount * gateCount)) + 1;
      const payload = Buffer.from(JSON.stringify({ boot: 1, seq, ts: Math.floor(now + i / 2), in: seq, out: seq >> 1 }));
      return { topic: `parking/v1/lot-${l}/l${l}-g${g}/counter`, payload, lotId: `lot-${l}` };
    });
    const feed = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        now += 0.5;
        const m = msgs[i]!;
        gates.observe(m.topic, ledger.handle(m.topic, m.payload), now);
        ledger.status(m.lotId);
      }
    };
    const warm = Math.floor(messages / 10);
    feed(0, warm);
    const before = process.cpuUsage();
    feed(warm, messages);
    const cpu = process.cpuUsage(before);
    const { accepted, rejected } = ledger.stats();
    const rejectedTotal = Object.values(rejected).reduce((a, n) => a + n, 0);
    if (accepted !== messages || rejectedTotal !== 0 || points !== messages) throw new Error(`accepted ${accepted}, rejected ${rejectedTotal}, points ${points} of ${messages}`);
    const usPerMsg = Number(((cpu.user + cpu.system) / (messages - warm)).toFixed(2));
    console.log(JSON.stringify({ run: run + 1, usPerMsg, lineBytes: bytes }));
    results.push(usPerMsg);
  }
  const median = [...results].sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
  console.log(`ingest-cpu (--lines ${lines}): median ${median} µs CPU per message (${results.join(', ')})`);
  return { options: { lots: lotCount, gates: gateCount, messages, runs, lines }, usPerMsg: results, medianUsPerMsg: median };
}

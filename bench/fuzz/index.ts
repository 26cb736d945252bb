/**
 * `npm run bench -- fuzz`: the full fuzzing campaign of issue 12 item 6 — 10,000 malformed
 * counter payloads and 10,000 mutated MQTT packets (seeded) against the real broker (default
 * limits) and ingest (embedded store), in this process. Prints what was refused and why, the
 * connection outcomes, the time taken, and whether counts stayed put and the broker still counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker, hashPassword } from '../../broker/index.js';
import { LotsFile } from '../../core/index.js';
import { createIngest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { runFuzzCampaign } from '../../testkit/fuzz/index.js';

export interface FuzzBenchOptions {
  seed: number;
  packets: number;
  payloads: number;
  concurrency: number;
}

export async function fuzzBench(o: FuzzBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-fuzz-'));
  const hash = await hashPassword('bench', { N: 1024 });
  const sensor = (id: string) => ({ id, passwordHash: hash });
  const lots = LotsFile.parse({
    lots: [
      { id: 'fuzz-a', name: { ja: 'A', en: 'A' }, capacity: 1000, sensors: [sensor('fuzz-gate-a1'), sensor('fuzz-gate-a2')] },
      { id: 'fuzz-b', name: { ja: 'B', en: 'B' }, capacity: 1000, sensors: [sensor('fuzz-gate-b1')] },
    ],
    accounts: [{ username: 'fuzz-ingest', role: 'ingest', passwordHash: hash }],
  });
  const broker = createBroker({ lots, port: 0, id: 'fuzz' });
  const { port } = await broker.start();
  if (port === null) throw new Error('the fuzz broker has no plain MQTT port');
  const ingest = createIngest({ lots, store: createEmbeddedStore({ dataDir: join(dir, 'data') }), mqttUrl: `mqtt://127.0.0.1:${port}`, username: 'fuzz-ingest', password: 'bench', clientId: 'fuzz-ingest' });
  await ingest.start();
  console.log(`fuzz benchmark: ${o.payloads} payloads, ${o.packets} packets, seed ${o.seed}, ${o.concurrency} connections at a time`);
  try {
    const report = await runFuzzCampaign({
      broker,
      ingest,
      port,
      seed: o.seed,
      packets: o.packets,
      payloads: o.payloads,
      concurrency: o.concurrency,
      sensor: { lotId: 'fuzz-a', sensorId: 'fuzz-gate-a1', password: 'bench' },
      witness: { lotId: 'fuzz-b', sensorId: 'fuzz-gate-b1', password: 'bench' },
      stranger: { username: 'fuzz-gate-a2', password: 'bench' },
      lotIds: ['fuzz-a', 'fuzz-b'],
    });
    const { payloads: p, packets: k } = report;
    const countsUnchanged = JSON.stringify(report.counts.after) === JSON.stringify(report.counts.before);
    const payloadsCountedExactly = JSON.stringify(p.counted) === JSON.stringify(p.expected);
    console.log(`payloads: ${p.sent} sent in ${p.seconds} s; expected ${JSON.stringify(p.expected)}; counted ${JSON.stringify(p.counted)} => ${payloadsCountedExactly ? 'exact' : 'MISMATCH'}`);
    console.log(`packets: ${k.sent} sent in ${k.seconds} s (${Math.round(k.sent / k.seconds)}/s); outcomes ${JSON.stringify(k.outcomes)}`);
    console.log(`  broker refusals ${JSON.stringify(k.brokerRefusals)}; ingest rejections ${JSON.stringify(k.ingestRejections)}`);
    console.log(`counts unchanged: ${countsUnchanged}; broker still up and counting: ${report.stillCounts}`);
    return { options: o, summary: { payloadsCountedExactly, countsUnchanged, stillCounts: report.stillCounts, packetsStalled: k.outcomes.stalled }, ...report };
  } finally {
    await ingest.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- gates`: what per-gate state costs ingest per counter message. The same
 * messages through the ledger alone, and through the ledger + gate tracker + gate publisher (as
 * ingest/service.ts wires them), in alternating rounds, in CPU time per message; and how many
 * gates messages the publisher sent (coalesced: at most one per lot per interval).
 */
import { LotsFile } from '../../core/index.js';
import { createGatePublisher, createGateTracker, createLedger } from '../../ingest/index.js';
import { median } from '../support/child.js';

export interface GatesBenchOptions {
  lots: number;
  gates: number;
  messages: number;
  rounds: number;
}

const HASH = `scrypt$1024$8$1$AA==$${'A'.repeat(43)}=`; // never checked here

export async function gatesBench({ lots, gates, messages, rounds }: GatesBenchOptions) {
  const file = LotsFile.parse({
    lots: Array.from({ length: lots }, (_, l) => ({
      id: `lot-${l}`,
      name: { ja: `L${l}`, en: `L${l}` },
      capacity: 1000,
      sensors: Array.from({ length: gates }, (_, g) => ({ id: `g-${l}-${g}`, passwordHash: HASH })),
    })),
  });
  const start = Date.now();
  const topics = Array.from({ length: lots * gates }, (_, i) => `parking/v1/lot-${Math.floor(i / gates)}/g-${Math.floor(i / gates)}-${i % gates}/counter`);
  const payloads = Array.from({ length: messages }, (_, i) => Buffer.from(JSON.stringify({ boot: 1, seq: Math.floor(i / topics.length) + 1, ts: start + i, in: i, out: 0 })));

  function run(withGates: boolean): { usPerMsg: number; published: number } {
    let now = start;
    const clock = { now: () => now };
    const ledger = createLedger({ lots: file, clock, store: { write() {} } });
    const tracker = createGateTracker({ lots: file, ledger });
    let published = 0;
    const publisher = createGatePublisher({ tracker, lotIds: ledger.lotIds, clock, intervalMs: 5000, publish: (_l, g) => void (published += JSON.stringify(g).length > 0 ? 1 : 0) });
    const cpu = process.cpuUsage();
    for (let i = 0; i < messages; i++) {
      now += 1;
      const topic = topics[i % topics.length]!;
      const result = ledger.handle(topic, payloads[i]!);
      if (withGates) {
        const gate = tracker.observe(topic, result, now);
        if (gate) publisher.changed(gate.lotId, gate.sensorId);
      }
    }
    const used = process.cpuUsage(cpu);
    publisher.stop();
    return { usPerMsg: (used.user + used.system) / messages, published };
  }

  const plain: number[] = [];
  const tracked: number[] = [];
  let published = 0;
  for (let r = 0; r < rounds; r++) {
    plain.push(run(false).usPerMsg);
    const t = run(true);
    tracked.push(t.usPerMsg);
    published = t.published;
  }
  const figures = {
    lots,
    gates,
    messages,
    rounds,
    ledgerUsPerMsg: +median(plain).toFixed(2),
    withGatesUsPerMsg: +median(tracked).toFixed(2),
    overheadUsPerMsg: +(median(tracked) - median(plain)).toFixed(2),
    gatesMessagesPublished: published,
  };
  console.log(figures);
  return figures;
}

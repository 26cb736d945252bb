/**
 * A simulated hospital weekday through the real broker and ingest: under each fault class alone
 * the final count equals the ground truth; under all of them together it differs only by the loss
 * the protocol documents as unavoidable, computed from the fault log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import { createSimulation, createScenario, planDeliveries, promisedCount, truthAt, unavoidableLoss, type FaultOptions } from '../../firmware-sim/index.js';
import { messagesTaken } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';
import { passwordOf, startBroker, startIngest, testLots } from '../support/stack.js';

const startMs = Date.parse('2026-11-24T00:00:00+09:00');
const endMs = startMs + 86_400_000;
const scenario = createScenario({ name: 'weekday', seed: 21, startMs, capacity: 200, gates: 2 });
const truth = truthAt(scenario, endMs);
let lots: LotsFile;
let broker: Broker;
let url: string;

beforeAll(async () => {
  lots = await testLots({ capacity: 200 });
  ({ broker, url } = await startBroker(lots));
});
afterAll(async () => {
  await broker.stop();
});

async function play(faults: FaultOptions, seed: number, clientId: string) {
  const plan = planDeliveries(scenario, faults, { seed });
  const ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-sim-')) }), undefined, clientId);
  const sim = createSimulation({
    mqttUrl: url,
    lotId: 'lot-a',
    sensors: ['gate-a1', 'gate-a2'].map((id) => ({ id, password: passwordOf(id) })),
    plan,
  });
  try {
    await sim.run();
    await waitFor(() => messagesTaken(ingest.ledger.stats()) === plan.deliveries.length, { timeoutMs: 20_000, what: `ingest to take all ${plan.deliveries.length} deliveries` });
    return { plan, occupied: ingest.ledger.lot('lot-a')!.occupiedRaw, stats: ingest.ledger.stats() };
  } finally {
    await sim.stop();
    await ingest.stop();
  }
}

describe('a simulated weekday through broker and ingest', () => {
  it.each([
    ['drops', { dropRate: 0.05 }],
    ['duplicates', { duplicateRate: 0.05 }],
    ['reordering', { reorderWindowMs: 20_000 }],
    ['reboots at quiet moments', { reboots: [{ gate: 0, atMs: startMs + 3 * 3_600_000 + 30_000 }, { gate: 1, atMs: startMs + 4 * 3_600_000 + 30_000 }] }],
    ['a gate offline for 20 minutes', { offline: [{ gate: 1, fromMs: startMs + 9 * 3_600_000, toMs: startMs + 9 * 3_600_000 + 1_200_000 }] }],
    ['malformed payloads', { malformedRate: 0.03 }],
  ] as Array<[string, FaultOptions]>)('%s alone: the final count is the ground truth', async (name, faults) => {
    const { occupied, plan, stats } = await play(faults, 3, `sim-${name.replace(/[^a-z]/g, '')}`.slice(0, 23));
    expect(unavoidableLoss(plan)).toBe(0);
    expect(occupied).toBe(truth);
    if (faults.malformedRate) expect(stats.rejected.json + stats.rejected.schema).toBe(plan.log.malformed);
    if (faults.duplicateRate) expect(stats.outcomes.duplicate).toBeGreaterThanOrEqual(plan.log.duplicated);
  });

  it('all faults together: off only by the documented unavoidable loss', async () => {
    const faults: FaultOptions = {
      dropRate: 0.05,
      duplicateRate: 0.05,
      reorderWindowMs: 10_000,
      randomReboots: 2,
      offline: [{ gate: 0, fromMs: startMs + 14 * 3_600_000, toMs: startMs + 14 * 3_600_000 + 1_200_000 }],
      clockSkewMs: [0, 120_000],
      malformedRate: 0.01,
    };
    const { occupied, plan } = await play(faults, 9, 'sim-combined');
    expect(occupied).toBe(promisedCount(plan.deliveries));
    expect(occupied).toBe(truth - unavoidableLoss(plan));
  });
});

/**
 * Fuzzing the wire, bounded (issue 12 item 6): mutated MQTT packets and malformed counter
 * payloads against the real broker + ingest. Seeded; the full 10,000 + 10,000 run is
 * `npm run bench -- fuzz`. Every connection is bounded in time (testkit/fuzz/run.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { runFuzzCampaign } from '../../testkit/fuzz/index.js';
import { passwordOf, startBroker, startIngest, testLots } from '../support/stack.js';

const SEED = 20261126;
const PACKETS = 2000;
const PAYLOADS = 2000;
/** Each phase stops taking new cases after this (a loaded machine sends fewer; the test stays bounded). */
const PHASE_SECONDS = 45;

let lots: LotsFile;
let broker: Broker;
let port: number;
let ingest: Ingest;

beforeAll(async () => {
  lots = await testLots({ capacity: 1000 });
  ({ broker, port } = await startBroker(lots, { id: 'fuzz' }));
  ingest = await startIngest(lots, `mqtt://127.0.0.1:${port}`, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-fuzz-')) }), undefined, 'fuzz-ingest');
});

afterAll(async () => {
  await ingest?.stop();
  await broker?.stop();
});

describe('fuzzing the wire', () => {
  it(`${PAYLOADS} malformed payloads and ${PACKETS} mutated packets: payloads counted exactly by reason, packets refused and counted, counts unchanged, the broker still up`, async () => {
    const report = await runFuzzCampaign({
      broker,
      ingest,
      port,
      seed: SEED,
      packets: PACKETS,
      payloads: PAYLOADS,
      sensor: { lotId: 'lot-a', sensorId: 'gate-a1', password: passwordOf('gate-a1') },
      witness: { lotId: 'lot-b', sensorId: 'gate-b1', password: passwordOf('gate-b1') },
      stranger: { username: 'gate-a2', password: passwordOf('gate-a2') },
      lotIds: ['lot-a', 'lot-b'],
      phaseSeconds: PHASE_SECONDS,
    });
    // Bounded by time as well as count: whatever was sent must be a real sample.
    expect(report.payloads.sent).toBeGreaterThanOrEqual(Math.min(PAYLOADS, 500));
    expect(report.packets.sent).toBeGreaterThanOrEqual(Math.min(PACKETS, 300));
    // Every malformed payload is counted once, under the reason the wire schema gives.
    expect(report.payloads.counted).toEqual(report.payloads.expected);
    expect(report.payloads.connections).toMatchObject({ stalled: 0, waiting: 0, 'login-refused': 0 });
    // Mutated packets: refused and counted (the guard's oversize and protocol errors among them);
    // no connection left open after the peer hung up; strangers' failed logins, from another
    // address, never locked the sensor out.
    expect(report.packets.brokerRefusals['protocol-error']).toBeGreaterThan(0);
    expect(report.packets.brokerRefusals.oversize).toBeGreaterThan(0);
    expect(report.packets.outcomes).toMatchObject({ stalled: 0, 'login-refused': 0 });
    // The garbage moved no count, and the broker still takes a fresh client that counts.
    expect(report.counts.after).toEqual(report.counts.before);
    expect(report.stillCounts).toBe(true);
  }, 240_000);
});

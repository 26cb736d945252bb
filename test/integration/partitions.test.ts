/**
 * Ingest partitions in one process (the process-level test is scale.test.ts): the broker holds a
 * sensor back until its own lot's partition has subscribed, and each partition gets, counts and
 * calibrates only its lots. testLots(): with N = 2, lot-a is in partition 1 and lot-b in 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf, type LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { connectClient, counterJson, startApi, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';
import { waitFor } from '../../testkit/wait.js';

describe('ingest partitions (INGEST_PARTITION)', { timeout: 120_000 }, () => {
  let lots: LotsFile;
  let url: string;
  let stopBroker: () => Promise<void>;
  const dirs: string[] = [];
  const ingests: Ingest[] = [];
  const partitionIngest = (index: number) => {
    const dataDir = mkdtempSync(join(tmpdir(), `manku-partition-${index}-`));
    dirs.push(dataDir);
    return startIngest(lots, url, createEmbeddedStore({ dataDir }), undefined, `test-ingest-${index}of2`, { partition: { index, count: 2 } }).then((i) => (ingests.push(i), i));
  };

  beforeAll(async () => {
    lots = await testLots();
    const started = await startBroker(lots);
    url = started.url;
    stopBroker = () => started.broker.stop();
  });
  afterAll(async () => {
    for (const i of ingests) await i.stop();
    await stopBroker?.();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('holds back a sensor until the ingest of its own lot has subscribed', async () => {
    expect([partitionOf('lot-a', 2), partitionOf('lot-b', 2)]).toEqual([1, 2]);
    const first = await partitionIngest(1);
    const a1 = await connectClient(url, 'gate-a1'); // lot-a: partition 1 is up
    await expect(connectClient(url, 'gate-b1')).rejects.toThrow(/Server unavailable/i); // lot-b: partition 2 is not
    const second = await partitionIngest(2);
    const b1 = await connectClient(url, 'gate-b1');
    a1.publish('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 3, 0), { qos: 1 });
    b1.publish('parking/v1/lot-b/gate-b1/counter', counterJson(1, 1, 5, 1), { qos: 1 });
    await waitForOccupied(first, 'lot-a', 3);
    await waitForOccupied(second, 'lot-b', 4);
    // each got its own lot's messages only: nothing rejected as an unknown lot
    expect(first.ledger.lotIds).toEqual(['lot-a']);
    expect(second.ledger.lotIds).toEqual(['lot-b']);
    expect([first.stats().rejected['unknown-lot'], second.stats().rejected['unknown-lot']]).toEqual([0, 0]);
    expect([first.stats().accepted, second.stats().accepted]).toEqual([1, 1]);
    a1.end(true);
    b1.end(true);
  });

  it('sends a calibration to the owning partition only, and the API returns its answer', async () => {
    const { api, base } = await startApi(lots, url, undefined, { adminToken: 'partition-admin-token-0123' });
    try {
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 20_000, what: 'API ready (both partitions live)' });
      const res = await fetch(`${base}/api/v1/lots/lot-b/calibration`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer partition-admin-token-0123' },
        body: JSON.stringify({ occupied: 9 }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ lotId: 'lot-b', occupied: 9, previous: 4 });
      expect(ingests.map((i) => i.stats().calibrations)).toEqual([0, 1]);
      await waitForOccupied(ingests[1]!, 'lot-b', 9);
    } finally {
      await api.stop();
    }
  });
});

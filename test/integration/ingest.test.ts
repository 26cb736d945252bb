/**
 * End to end through a real aedes broker, real mqtt.js sensors and ingest with the embedded
 * store: counting, duplicates, rejections by reason, staleness on a driven clock, restart.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { connectClient, counterJson, manualClock, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';
import { waitFor } from '../../testkit/wait.js';

let lots: LotsFile;
let broker: Broker;
let url: string;
let dataDir: string;
let ingest: Ingest | null;
const clients: MqttClient[] = [];
const clock = manualClock();

async function sensor(id: string) {
  const c = await connectClient(url, id);
  clients.push(c);
  return c;
}
const topic = (lot: string, gate: string) => `parking/v1/${lot}/${gate}/counter`;
const store = () => createEmbeddedStore({ dataDir, snapshotIntervalMs: 50 });

beforeEach(async () => {
  lots = await testLots({ capacity: 100, staleAfterS: 60 });
  ({ broker, url } = await startBroker(lots));
  dataDir = mkdtempSync(join(tmpdir(), 'manku-ingest-'));
  clock.set(Date.now());
  ingest = await startIngest(lots, url, store(), clock);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await ingest?.stop();
  await broker.stop();
});

describe('counting end to end', () => {
  it('counts in - out across gates; a repeated message changes nothing', async () => {
    const g1 = await sensor('gate-a1');
    const g2 = await sensor('gate-a2');
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 1, 5, 1, clock.now()), { qos: 1 });
    await g2.publishAsync(topic('lot-a', 'gate-a2'), counterJson(1, 1, 2, 0, clock.now()), { qos: 1 });
    await waitForOccupied(ingest!, 'lot-a', 6);
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 1, 5, 1, clock.now()), { qos: 1 });
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 3, 7, 1, clock.now()), { qos: 1 }); // seq 2 lost
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 2, 6, 1, clock.now()), { qos: 1 }); // late
    await waitFor(() => ingest!.ledger.stats().outcomes.duplicate === 2);
    expect(ingest!.ledger.status('lot-a')).toMatchObject({ occupied: 8, available: 92, level: 'vacant', label: '空', stale: false });
  });

  it('counts a reboot in full and never double-counts redelivered totals', async () => {
    const g1 = await sensor('gate-a1');
    await sensor('gate-a2').then((g) => g.publishAsync(topic('lot-a', 'gate-a2'), counterJson(1, 1, 0, 0, clock.now()), { qos: 1 }));
    for (let seq = 1; seq <= 10; seq++) {
      await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, seq, seq, 0, clock.now()), { qos: 1 });
    }
    await waitForOccupied(ingest!, 'lot-a', 10);
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(2, 0, 3, 1, clock.now()), { qos: 1 });
    await waitForOccupied(ingest!, 'lot-a', 12);
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 11, 11, 0, clock.now()), { qos: 1 }); // an old boot
    await waitFor(() => ingest!.ledger.stats().outcomes['old-boot'] === 1);
    expect(ingest!.ledger.status('lot-a')?.occupied).toBe(12);
  });

  it('rejects garbage by reason, logs it, and never changes a count', async () => {
    const g1 = await sensor('gate-a1');
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 1, 4, 0, clock.now()), { qos: 1 });
    await waitForOccupied(ingest!, 'lot-a', 4);
    const bad = [
      'garbage',
      '',
      '{"boot":1,"seq":2,"ts":0,"in":9,"out":0,"extra":true}',
      '{"boot":1,"seq":2,"ts":0,"in":-9,"out":0}',
      '{"boot":1,"seq":2,"ts":0,"in":9}',
      '[1,2,3]',
      '{"boot":1.5,"seq":2,"ts":0,"in":9,"out":0}',
    ];
    for (const payload of bad) await g1.publishAsync(topic('lot-a', 'gate-a1'), payload, { qos: 1 });
    await waitFor(() => {
      const r = ingest!.ledger.stats().rejected;
      return r.json === 2 && r.schema === 5;
    }, { what: 'rejections by reason' });
    expect(ingest!.ledger.status('lot-a')?.occupied).toBe(4);
    // the sensor is still connected and its next good message counts
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 2, 5, 0, clock.now()), { qos: 1 });
    await waitForOccupied(ingest!, 'lot-a', 5);
  });

  it('rejects messages for a lot or sensor ingest does not know (broker and ingest configured apart)', async () => {
    await ingest!.stop();
    const lotAOnly = { ...lots, lots: lots.lots.filter((l) => l.id === 'lot-a').map((l) => ({ ...l, sensors: l.sensors.slice(0, 1) })) };
    ingest = await startIngest(lotAOnly, url, store(), clock, 'ingest-a-only');
    await (await sensor('gate-b1')).publishAsync(topic('lot-b', 'gate-b1'), counterJson(1, 1, 5, 0), { qos: 1 });
    await (await sensor('gate-a2')).publishAsync(topic('lot-a', 'gate-a2'), counterJson(1, 1, 5, 0), { qos: 1 });
    await waitFor(() => {
      const r = ingest!.ledger.stats().rejected;
      return r['unknown-lot'] === 1 && r['unknown-sensor'] === 1;
    });
    expect(ingest!.ledger.status('lot-a')?.occupied).toBe(0);
  });

  it('does not trust a sensor clock far from receive time, and counts the skew', async () => {
    const g1 = await sensor('gate-a1');
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 1, 1, 0, 86_400_000), { qos: 1 }); // 1970
    await waitForOccupied(ingest!, 'lot-a', 1);
    expect(ingest!.ledger.stats().clockSkewed).toBe(1);
  });
});

describe('staleness follows the clock', () => {
  it('a lot shows a level only while every gate reports; a silent gate turns it unknown', async () => {
    const statuses: Array<{ level: string; stale: boolean }> = [];
    const reader = await connectClient(url, 'reader');
    clients.push(reader);
    reader.on('message', (_t, p) => statuses.push(JSON.parse(p.toString())));
    await reader.subscribeAsync('parking/v1/lot-a/status', { qos: 1 });

    const g1 = await sensor('gate-a1');
    const g2 = await sensor('gate-a2');
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 1, 85, 0, clock.now()), { qos: 1 });
    await waitForOccupied(ingest!, 'lot-a', 85);
    expect(ingest!.ledger.status('lot-a')).toMatchObject({ level: 'unknown', stale: true }); // gate-a2 never reported
    await g2.publishAsync(topic('lot-a', 'gate-a2'), counterJson(1, 1, 0, 0, clock.now()), { qos: 1 });
    await waitFor(() => statuses.at(-1)?.level === 'crowded', { what: 'a published 混' });

    clock.advance(30_000);
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 2, 85, 0, clock.now()), { qos: 1 }); // heartbeat
    await waitFor(() => ingest!.ledger.stats().outcomes.applied === 1);
    clock.advance(30_001); // gate-a2 silent for 60.001 s > staleAfterS
    ingest!.refresh();
    await waitFor(() => statuses.at(-1)?.stale === true, { what: 'a published stale status' });
    expect(statuses.at(-1)).toMatchObject({ level: 'unknown', label: '—', occupied: 85 });

    await g2.publishAsync(topic('lot-a', 'gate-a2'), counterJson(1, 2, 0, 0, clock.now()), { qos: 1 });
    await waitFor(() => statuses.at(-1)?.level === 'crowded', { what: 'back to 混 once the gate reports' });
  });
});

describe('restart', () => {
  it('restores state: no loss, no double count, and messages sent while ingest was down are counted', async () => {
    const g1 = await sensor('gate-a1');
    const g2 = await sensor('gate-a2');
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 1, 10, 2, clock.now()), { qos: 1 });
    await g2.publishAsync(topic('lot-a', 'gate-a2'), counterJson(4, 7, 3, 0, clock.now()), { qos: 1 });
    await waitForOccupied(ingest!, 'lot-a', 11);
    await ingest!.stop();

    // While ingest is down the broker keeps its persistent session's QoS 1 messages.
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 2, 12, 2, clock.now()), { qos: 1 });
    ingest = await startIngest(lots, url, store(), clock);
    await waitForOccupied(ingest, 'lot-a', 13);
    // A redelivery of old totals after the restart changes nothing.
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 2, 12, 2, clock.now()), { qos: 1 });
    await g2.publishAsync(topic('lot-a', 'gate-a2'), counterJson(4, 7, 3, 0, clock.now()), { qos: 1 });
    await waitFor(() => ingest!.ledger.stats().outcomes.duplicate === 2);
    expect(ingest.ledger.status('lot-a')).toMatchObject({ occupied: 13, stale: false, level: 'vacant' });
  });

  it('keeps the level through a restart inside the hysteresis band: 満 at 92 % stays 満', async () => {
    const g1 = await sensor('gate-a1');
    const g2 = await sensor('gate-a2');
    await g2.publishAsync(topic('lot-a', 'gate-a2'), counterJson(1, 1, 0, 0, clock.now()), { qos: 1 });
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 1, 96, 0, clock.now()), { qos: 1 });
    await waitFor(() => ingest!.ledger.status('lot-a')?.level === 'full', { what: '満 at 96 %' });
    await g1.publishAsync(topic('lot-a', 'gate-a1'), counterJson(1, 2, 96, 4, clock.now()), { qos: 1 });
    await waitForOccupied(ingest!, 'lot-a', 92);
    expect(ingest!.ledger.status('lot-a')?.level).toBe('full'); // above fullDecreasing (90)
    await ingest!.stop();
    ingest = await startIngest(lots, url, store(), clock);
    // Without the level from before, 92 % is 混 (below fullIncreasing, 95).
    expect(ingest.ledger.status('lot-a')).toMatchObject({ occupied: 92, stale: false, level: 'full' });
  });
});

/**
 * Fault drills, short versions (the full ones: `npm run bench -- drills`, docs/reliability.md).
 * Each part runs as its own `manku` process (bin/manku.ts) and is killed with SIGKILL; traffic
 * comes from gates that keep the ground truth. What is asserted is correctness, never time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { apiRestartDrill } from '../../testkit/drills/api-restart.js';
import { brokerRestartDrill } from '../../testkit/drills/broker-restarts.js';
import { influxOutageDrill } from '../../testkit/drills/influx-outage.js';
import { ingestKillDrill } from '../../testkit/drills/ingest-kills.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'manku-drill-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Whole processes start and restart here: slow on a loaded 2-core machine.
describe('fault drills', { timeout: 600_000 }, () => {
  it('InfluxDB stopped mid-stream: live status stays fresh, and every reading is stored once it is back', async () => {
    const r = await influxOutageDrill({ dir: tempDir(), rate: 100, beforeMs: 1000, outageMs: 3000, afterMs: 1000, bufferPoints: 10_000, seed: 12 });
    expect(r).toMatchObject({ complete: true, pointsLost: 0, droppedPoints: 0 });
    expect(r.readingsSent).toBeGreaterThan(300);
    expect(r.statusDuringOutage.polls).toBeGreaterThan(0);
    expect(r.statusDuringOutage).toMatchObject({ stale: 0, unknown: 0, pollErrors: 0 });
  });

  it('ingest SIGKILLed at seeded random moments mid-stream: the counts are exact after every restart', async () => {
    const r = await ingestKillDrill({ dir: tempDir(), kills: 2, rate: 100, seed: 12, minMs: 300, maxMs: 1500 });
    expect(r.kills).toHaveLength(2);
    for (const k of r.kills) expect(k.shown).toEqual(k.truth);
    expect(r.kills.every((k) => k.passesWhileDown > 0)).toBe(true); // the kill really was mid-stream
  });

  it('broker SIGKILLed and restarted mid-stream: sensors come back, and after their next message the counts are exact', async () => {
    const r = await brokerRestartDrill({ dir: tempDir(), restarts: 1, rate: 100, seed: 12, streamMs: 1000 });
    expect(r.restarts[0]).toMatchObject({ exact: true });
    expect(r.gates.reconnects).toBe(r.sensors); // every sensor reconnected by itself
  });

  it('API SIGKILLed while the lot is full: ws clients and a Chromium widget reconnect, and none is ever shown 空 or 混', async () => {
    const r = await apiRestartDrill({ dir: tempDir(), clients: 10, seed: 12 });
    expect(r.shownNotFullWhileFull).toBe(0);
    expect(r.wsReconnects).toBeGreaterThanOrEqual(10);
    expect(r.widget.socketOpens).toBeGreaterThanOrEqual(2);
    expect(r.wsLevelsSeen.full).toBeGreaterThanOrEqual(20); // before and after the restart
  });
});

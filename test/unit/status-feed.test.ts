/** The API's view of live status on its own: retained statuses in, staleness by the clock, listeners told of changes. */
import { describe, expect, it } from 'vitest';
import { createStatusFeed } from '../../api/index.js';
import { oneLot } from '../support/fixtures.js';
import type { LotStatus } from '../../protocol/index.js';

const lots = oneLot({ staleAfterS: 60 });
const T0 = Date.parse('2026-11-26T00:00:00Z');
const status = (occupied: number, observedAt = new Date(T0).toISOString()): LotStatus => ({
  lotId: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 10, occupied, available: 10 - occupied, occupancy: occupied / 10,
  level: 'vacant', label: '空', observedAt, stale: false,
});
const message = (s: unknown) => Buffer.from(JSON.stringify(s));

describe('status feed', () => {
  it('starts unknown, takes statuses from their topic, and tells listeners of each change once', () => {
    let now = T0;
    const feed = createStatusFeed({ lots, clock: { now: () => now }, graceMs: 15_000 });
    const heard: LotStatus[] = [];
    feed.onChange((s) => heard.push(s));
    expect(feed.get('lot-a')).toMatchObject({ level: 'unknown', stale: true, observedAt: null });
    feed.onMessage('parking/v1/lot-a/status', message(status(3)));
    feed.onMessage('parking/v1/lot-a/status', message(status(3))); // the same again: nothing to tell
    expect(heard.map((s) => s.occupied)).toEqual([3]);
    expect(feed.get('lot-a')).toMatchObject({ occupied: 3, level: 'vacant' });
    now += 74_000; // within staleAfterS + grace
    feed.tick();
    expect(feed.get('lot-a')?.stale).toBe(false);
    now += 2000; // past it: an ingest that died, or an old retained message, never keeps 空 on a screen
    feed.tick();
    expect(feed.get('lot-a')).toMatchObject({ stale: true, level: 'unknown', label: '—' });
    expect(heard.at(-1)).toMatchObject({ stale: true });
  });

  it('ignores what is not a valid status of a known lot', () => {
    const feed = createStatusFeed({ lots, clock: { now: () => T0 } });
    feed.onMessage('parking/v1/lot-a/status', Buffer.from('{'));
    feed.onMessage('parking/v1/lot-a/status', message({ ...status(3), label: '満' }));
    feed.onMessage('parking/v1/lot-z/status', message({ ...status(3), lotId: 'lot-z' }));
    feed.onMessage('parking/v1/lot-a/status', message({ ...status(3), lotId: 'lot-b' }));
    expect(feed.get('lot-a')).toMatchObject({ stale: true, observedAt: null });
    expect(feed.has('lot-z')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { capOrigin, createNudgeTally, summarizeNudges } from '../../core/index.js';

const H = 3_600_000;
const T = Date.parse('2026-11-25T00:00:00Z');

describe('nudge counts, aggregated on arrival', () => {
  it('adds events into one count per lot, hour, event, level, arrival level and site; drain empties it', () => {
    const t = createNudgeTally();
    t.add('a', { event: 'shown', level: 'crowded' }, 'https://x', T + 5);
    t.add('a', { event: 'shown', level: 'crowded' }, 'https://x', T + H - 1);
    t.add('a', { event: 'shown', level: 'crowded', arrival: 'full' }, 'https://x', T);
    t.add('a', { event: 'shown', level: 'crowded' }, 'https://x', T + H);
    t.add('b', { event: 'followed', level: 'full' }, 'none', T);
    expect(t.drain()).toEqual([
      { lotId: 'a', hourMs: T, event: 'shown', level: 'crowded', arrival: 'none', origin: 'https://x', count: 2 },
      { lotId: 'a', hourMs: T, event: 'shown', level: 'crowded', arrival: 'full', origin: 'https://x', count: 1 },
      { lotId: 'a', hourMs: T + H, event: 'shown', level: 'crowded', arrival: 'none', origin: 'https://x', count: 1 },
      { lotId: 'b', hourMs: T, event: 'followed', level: 'full', arrival: 'none', origin: 'none', count: 1 },
    ]);
    expect(t.drain()).toEqual([]);
  });

  it('puts back counts whose write failed, added to those counted since', () => {
    const t = createNudgeTally();
    t.add('a', { event: 'shown', level: 'full' }, 'o', T);
    const failed = t.drain();
    t.add('a', { event: 'shown', level: 'full' }, 'o', T);
    t.restore(failed);
    expect(t.drain().map((c) => c.count)).toEqual([2]);
  });

  it('names at most max sites per lot, then counts the rest as other', () => {
    const seen = new Set<string>();
    expect(['https://a', 'https://b', 'https://a', 'https://c', null].map((o) => capOrigin(seen, o, 2))).toEqual(['https://a', 'https://b', 'https://a', 'other', 'none']);
  });

  it('sums hours into days with the follow-up rate by level, empty buckets included', () => {
    const t = createNudgeTally();
    for (let i = 0; i < 4; i++) t.add('a', { event: 'shown', level: 'crowded' }, 'o', T + i * H);
    t.add('a', { event: 'followed', level: 'crowded' }, 'o', T + 3 * H);
    t.add('b', { event: 'shown', level: 'full' }, 'o', T);
    const s = summarizeNudges(t.drain(), 'a', T, T + 2 * 24 * H, '1d');
    expect(s.buckets.map((b) => [b.t, b.shown, b.followed])).toEqual([
      ['2026-11-25T00:00:00.000Z', 4, 1],
      ['2026-11-26T00:00:00.000Z', 0, 0],
    ]);
    expect(s.buckets[0]!.byLevel).toEqual({
      vacant: { shown: 0, followed: 0, followRate: null },
      crowded: { shown: 4, followed: 1, followRate: 0.25 },
      full: { shown: 0, followed: 0, followRate: null },
    });
  });
});

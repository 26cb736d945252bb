import { describe, expect, it } from 'vitest';
import { createIngestHealthBoard } from '../../api/ingest-health.js';
import { healthTopic } from '../../protocol/index.js';

function boardAt(startMs = 1_000_000) {
  let now = startMs;
  const board = createIngestHealthBoard({ clock: { now: () => now }, maxAgeMs: 15_000 });
  const report = (clientId: string, partition: string | undefined, running = true) =>
    board.onMessage(healthTopic(clientId), Buffer.from(JSON.stringify({ clientId, running, ...(partition ? { partition } : {}) })));
  return { board, report, advance: (ms: number) => void (now += ms) };
}

describe('readiness with ingest partitions', () => {
  it('is not ready while a partition of N has no live ingest, and names it', () => {
    const { board, report } = boardAt();
    report('manku-ingest-2of2', '2/2');
    expect(board.problems()).toEqual([expect.stringMatching(/^ingest partition 1\/2 has no live ingest/)]);
    expect(board.partitions()).toEqual([
      { partition: '1/2', up: false },
      { partition: '2/2', up: true },
    ]);
    report('manku-ingest-1of2', '1/2');
    expect(board.problems()).toEqual([]);
    expect(board.partitions().every((p) => p.up)).toBe(true);
  });

  it('counts a partition down when its ingest says offline (last will) or goes silent', () => {
    const { board, report, advance } = boardAt();
    report('i1', '1/2');
    report('i2', '2/2');
    report('i1', '1/2', false);
    expect(board.problems()).toEqual([expect.stringContaining('partition 1/2')]);
    report('i1', '1/2');
    advance(10_000);
    report('i2', '2/2');
    advance(10_000); // i1 last heard 20 s ago
    expect(board.partitions()).toEqual([
      { partition: '1/2', up: false },
      { partition: '2/2', up: true },
    ]);
  });

  it('takes an ingest without partitions (or 1/1) as owning every lot', () => {
    const { board, report } = boardAt();
    report('old', undefined);
    expect(board.problems()).toEqual([]);
    expect(board.partitions()).toEqual([]);
    report('p', '2/3');
    expect(board.partitions().map((p) => p.up)).toEqual([true, true, true]);
  });

  it('forgets a retired ingest whose retained health was cleared (empty payload)', () => {
    const { board, report } = boardAt();
    report('a', '1/2');
    board.onMessage(healthTopic('a'), Buffer.alloc(0));
    expect(board.all()).toEqual([]);
    expect(board.problems()).toEqual([expect.stringMatching(/^no ingest has reported/)]);
  });
});

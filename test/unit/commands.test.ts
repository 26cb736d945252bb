import { describe, expect, it } from 'vitest';
import { createCommandHandler } from '../../ingest/index.js';
import type { CalibrationResult } from '../../protocol/index.js';

function handler(nowMs: number) {
  const calls: string[] = [];
  const answers: Array<[string, CalibrationResult]> = [];
  const h = createCommandHandler({
    clock: { now: () => nowMs },
    ledger: {
      calibrate: (lotId, c) => (calls.push(`calibrate ${lotId} ${c.occupied}`), { requestId: c.requestId, ok: true, occupied: c.occupied, previous: 0 }),
      resetSensor: (lotId, c) => (calls.push(`reset ${lotId} ${c.resetSensor}`), { requestId: c.requestId, ok: true, sensorId: c.resetSensor, previous: null }),
    },
    answer: (lotId, r) => answers.push([lotId, r]),
  });
  return { h, calls, answers };
}

describe('command handler', () => {
  it('applies a command before its deadline and answers', () => {
    const { h, calls, answers } = handler(1000);
    h.onMessage('lot-a', Buffer.from(JSON.stringify({ requestId: 'r1', occupied: 3, expiresAt: 1000 })));
    h.onMessage('lot-a', Buffer.from(JSON.stringify({ requestId: 'r2', resetSensor: 'g1', expiresAt: 5000 })));
    expect(calls).toEqual(['calibrate lot-a 3', 'reset lot-a g1']);
    expect(answers.map(([, r]) => r.ok)).toEqual([true, true]);
  });

  it('refuses a command past its deadline without touching the ledger, and counts it', () => {
    const { h, calls, answers } = handler(10_001);
    h.onMessage('lot-a', Buffer.from(JSON.stringify({ requestId: 'late', occupied: 0, expiresAt: 10_000 })));
    expect(calls).toEqual([]);
    expect(answers).toEqual([['lot-a', { requestId: 'late', ok: false, error: 'expired 1 ms ago; send it again' }]]);
    expect(h.stats().calibrationsExpired).toBe(1);
  });

  it('drops what is not a command, answering nothing', () => {
    const { h, calls, answers } = handler(0);
    for (const bad of ['{', '{"requestId":"x","occupied":1}', '{"requestId":"x","occupied":1,"expiresAt":5,"extra":1}']) h.onMessage('lot-a', Buffer.from(bad));
    expect(calls).toEqual([]);
    expect(answers).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { OutgoingQueue } from '../../broker/persistence.js';

const packet = (brokerCounter: number) => ({ brokerId: 'b', brokerCounter, messageId: undefined as number | undefined });

describe('indexed outgoing queue (QoS 1 in flight per session)', () => {
  it('keeps order; acknowledging removes by message id; what is left redelivers in order', () => {
    const q = new OutgoingQueue();
    for (let c = 1; c <= 5; c++) q.push(packet(c));
    q.update({ ...packet(1), messageId: 11 });
    q.update({ ...packet(2), messageId: 12 });
    q.update({ ...packet(3), messageId: 13 });
    expect(q.clear(12)?.brokerCounter).toBe(2);
    expect(q.clear(12)).toBeUndefined();
    expect(q.clear(99)).toBeUndefined();
    expect(q.packets().map((p) => [p.brokerCounter, p.messageId])).toEqual([
      [1, 11],
      [3, 13],
      [4, undefined],
      [5, undefined],
    ]);
    expect(q.size).toBe(4);
  });

  it('a resend with a new message id replaces the old id', () => {
    const q = new OutgoingQueue();
    q.push(packet(1));
    q.update({ ...packet(1), messageId: 7 });
    q.update({ ...packet(1), messageId: 8 });
    expect(q.clear(7)).toBeUndefined();
    expect(q.clear(8)?.brokerCounter).toBe(1);
    expect(q.packets()).toEqual([]);
  });

  it('refuses to update a packet it does not hold', () => {
    expect(() => new OutgoingQueue().update({ ...packet(1), messageId: 1 })).toThrow('no such packet');
  });

  it('a large backlog, sent and acknowledged in a window of 1000 with ids wrapping at 65535, drains in order', () => {
    const q = new OutgoingQueue();
    const n = 200_000;
    const id = (c: number) => (c % 65_535) + 1;
    for (let c = 1; c <= n; c++) q.push(packet(c));
    // Plain comparisons in the loop (200k expect() calls alone take tens of seconds on a busy
    // machine); every mismatch is kept and asserted once.
    const wrong: string[] = [];
    for (let c = 1; c <= n + 1000; c++) {
      if (c <= n) q.update({ ...packet(c), messageId: id(c) });
      if (c > 1000) {
        const cleared = q.clear(id(c - 1000))?.brokerCounter;
        if (cleared !== c - 1000 && wrong.length < 10) wrong.push(`ack ${c - 1000} cleared ${cleared}`);
      }
      if (c === 1500) expect(q.packets()[0]?.brokerCounter).toBe(501);
    }
    expect(wrong).toEqual([]);
    expect(q.size).toBe(0);
    expect(q.packets()).toEqual([]);
  });
});

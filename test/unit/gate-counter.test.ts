import { describe, expect, it } from 'vitest';
import { applyReading, type SensorState } from '../../core/index.js';
import { createGateCounter } from '../../firmware-sim/index.js';
import { CounterMessage } from '../../protocol/index.js';

describe('simulated gate counter', () => {
  it('emits valid messages: seq +1 each, cumulative in/out, heartbeats carry the totals', () => {
    const gate = createGateCounter({ boot: 3 });
    const msgs = [gate.pass('in', 1), gate.pass('in', 2), gate.pass('out', 3), gate.heartbeat(4)];
    for (const m of msgs) expect(CounterMessage.safeParse(m).success).toBe(true);
    expect(msgs.map((m) => [m.boot, m.seq, m.in, m.out])).toEqual([
      [3, 1, 1, 0],
      [3, 2, 2, 0],
      [3, 3, 2, 1],
      [3, 4, 2, 1],
    ]);
  });

  it('a reboot starts a new boot from zero, and the engine counts it in full', () => {
    const gate = createGateCounter();
    let state: SensorState | undefined;
    let occupied = 0;
    const feed = (m: CounterMessage) => {
      const r = applyReading(state, m, 0);
      state = r.state;
      occupied += r.outcome.delta;
    };
    feed(gate.pass('in', 0));
    feed(gate.pass('in', 0));
    gate.reboot();
    expect(gate.boot).toBe(2);
    feed(gate.pass('in', 0));
    feed(gate.pass('out', 0));
    feed(gate.pass('out', 0));
    expect(occupied).toBe(1);
  });
});

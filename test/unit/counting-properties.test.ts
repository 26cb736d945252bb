/**
 * Property tests of the counting rules (docs/protocol.md, "Counting rules"), through the ledger's
 * real steps (topic -> JSON -> schema -> apply), for any gate history fast-check can make up.
 * Seeded: a failure prints its seed and shrunk counterexample, and every run is the same.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_HASH } from '../support/fixtures.js';
import { bandBroken, bootRun, counterValue, duplicatedAndReordered, gateLife, net, thresholds } from '../support/counting-model.js';
import { createLotState, LotsFile, type Thresholds } from '../../core/index.js';
import { labelOf, MAX_COUNTER_VALUE, type CounterMessage } from '../../protocol/index.js';
import { createLedger, type Ledger } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import pino from 'pino';

beforeAll(() => fc.configureGlobal({ seed: 20261126, numRuns: 100 }));

const LOT = 'lot-p';
const NOW = 1_800_000_000_000;
const logger = pino({ level: 'silent' });

function lotsFile({ sensors = 1, capacity = 1_000_000, thresholds, staleAfterS }: { sensors?: number; capacity?: number; thresholds?: Thresholds; staleAfterS?: number } = {}) {
  return LotsFile.parse({
    lots: [
      {
        id: LOT,
        name: { ja: 'P', en: 'P' },
        capacity,
        ...(thresholds ? { thresholds } : {}),
        ...(staleAfterS ? { staleAfterS } : {}),
        sensors: Array.from({ length: sensors }, (_, k) => ({ id: `g${k}`, passwordHash: FIXTURE_HASH })),
      },
    ],
  });
}

function ledgerOf(lots: LotsFile, from?: Ledger): Ledger {
  const ledger = createLedger({ lots, clock: { now: () => NOW }, store: { write() {} }, logger });
  if (from) ledger.restore(new Map([[LOT, { ...from.lot(LOT)!.snapshot(), lastSeq: 0 }]]));
  return ledger;
}

const send = (ledger: Ledger, m: CounterMessage, sensor = 'g0') => ledger.handle(`parking/v1/${LOT}/${sensor}/counter`, Buffer.from(JSON.stringify(m)));
const raw = (ledger: Ledger) => ledger.lot(LOT)!.occupiedRaw;

function countOf(messages: readonly CounterMessage[]): number {
  const ledger = ledgerOf(lotsFile());
  for (const m of messages) send(ledger, m);
  return raw(ledger);
}

describe('counting rules for one gate, any history (property)', () => {
  it('under any duplication and reordering (no loss, no reboot) the final count equals counting each message once, in order', () => {
    const arb = counterValue()
      .chain((boot) => bootRun(boot))
      .chain((msgs) => fc.tuple(fc.constant(msgs), duplicatedAndReordered(msgs)));
    fc.assert(
      fc.property(arb, ([msgs, delivered]) => {
        const inOrder = countOf(msgs);
        expect(countOf(delivered)).toBe(inOrder);
        expect(inOrder).toBe(net(msgs.at(-1)!));
      }),
    );
  });

  it('under loss, duplication and reordering within a boot, the count is always what the newest message so far says: no car twice, never back in time', () => {
    const arb = counterValue()
      .chain((boot) => bootRun(boot))
      .chain((msgs) => fc.subarray(msgs, { minLength: 1 }))
      .chain((kept) => duplicatedAndReordered(kept));
    fc.assert(
      fc.property(arb, (delivered) => {
        const ledger = ledgerOf(lotsFile());
        let newest = delivered[0]!;
        for (const m of delivered) {
          send(ledger, m);
          if (m.seq > newest.seq) newest = m;
          expect(raw(ledger)).toBe(net(newest));
        }
      }),
    );
  });

  it('under any loss across reboots, the count after each delivered message is the truth, less only what an old boot counted after its last delivered message', () => {
    const arb = gateLife().chain((boots) =>
      fc.tuple(fc.constant(boots), fc.tuple(...boots.map((b) => fc.array(fc.boolean(), { minLength: b.length, maxLength: b.length })))),
    );
    fc.assert(
      fc.property(arb, ([boots, keep]) => {
        const ledger = ledgerOf(lotsFile());
        let earlierBoots = 0; // sum over earlier boots of what their last delivered message said
        boots.forEach((run, b) => {
          let last: CounterMessage | undefined;
          run.forEach((m, k) => {
            if (!keep[b]![k]) return;
            expect(send(ledger, m)).toMatchObject({ ok: true, outcome: last ? 'applied' : 'reboot' });
            last = m;
            expect(raw(ledger)).toBe(earlierBoots + net(m));
          });
          if (last) earlierBoots += net(last);
        });
        // When each boot's last message gets through, nothing at all is lost.
        if (keep.every((k) => k.at(-1))) expect(raw(ledger)).toBe(boots.reduce((sum, run) => sum + net(run.at(-1)!), 0));
      }),
    );
  });

  it('across reboots in any order: each boot adds what its newest message said before a later boot arrived, and a late message of an older boot changes nothing', () => {
    const arb = gateLife()
      .chain((boots) => fc.subarray(boots.flat(), { minLength: 1 }))
      .chain((kept) => duplicatedAndReordered(kept));
    fc.assert(
      fc.property(arb, (delivered) => {
        const ledger = ledgerOf(lotsFile());
        delivered.forEach((m, i) => {
          const before = raw(ledger);
          const outcome = send(ledger, m);
          const prefix = delivered.slice(0, i + 1);
          if (prefix.slice(0, i).some((p) => p.boot > m.boot)) {
            expect(outcome).toMatchObject({ outcome: 'old-boot' });
            expect(raw(ledger)).toBe(before);
          }
          expect(raw(ledger)).toBe(expectedAcrossBoots(prefix));
        });
      }),
    );
  });
});

/** The reference model, stated per boot rather than per message as core does it. */
function expectedAcrossBoots(delivered: readonly CounterMessage[]): number {
  let sum = 0;
  for (const boot of new Set(delivered.map((m) => m.boot))) {
    const cutoff = delivered.findIndex((m) => m.boot > boot);
    const seen = delivered.slice(0, cutoff === -1 ? undefined : cutoff).filter((m) => m.boot === boot);
    if (seen.length) sum += net(seen.reduce((a, b) => (b.seq > a.seq ? b : a)));
  }
  return sum;
}

describe('counting at the 32-bit edges (property)', () => {
  it('a counter (in or out) that wraps past 2^32 within a boot never jumps the count: it is an anomaly, applies nothing, and counting resumes from it', () => {
    const arb = fc.record({
      boot: counterValue(),
      seq: fc.nat(1000),
      key: fc.constantFrom('in' as const, 'out' as const),
      behind: fc.nat(9), // the counter is this far below 2^32 - 1 before the wrap...
      passes: fc.integer({ min: 1, max: 20 }), // ...and this many vehicles later it has wrapped or not
      other: fc.nat(1000), // the other direction's counter, unchanged
      more: fc.nat(5),
    });
    fc.assert(
      fc.property(arb, ({ boot, seq, key, behind, passes, other, more }) => {
        const ledger = ledgerOf(lotsFile());
        const sign = key === 'in' ? 1 : -1;
        const reading = (k: number, value: number): CounterMessage => ({ boot, seq: seq + k, ts: NOW, in: other, out: other, [key]: value });
        const high = MAX_COUNTER_VALUE - behind;
        send(ledger, reading(0, high));
        const before = raw(ledger);
        const wraps = high + passes > MAX_COUNTER_VALUE;
        const wrapped = (high + passes) % 2 ** 32;
        const outcome = send(ledger, reading(1, wrapped));
        if (wraps) {
          expect(outcome).toMatchObject({ outcome: 'anomaly' });
          expect(raw(ledger)).toBe(before);
        } else {
          expect(raw(ledger)).toBe(before + sign * passes);
        }
        if (wrapped + more > MAX_COUNTER_VALUE) return;
        send(ledger, reading(2, wrapped + more));
        expect(raw(ledger)).toBe(before + sign * (wraps ? more : passes + more));
      }),
    );
  });

  // Firmware restarts seq at every boot (docs/protocol.md); 2^32 messages in one boot is ~136 years
  // at one a second. This pins down what a wrap would do: nothing wrong, only nothing counted.
  it('a seq that wraps past 2^32 within a boot is never counted twice: the rest of that boot is ignored as duplicates, and the next boot counts again', () => {
    const arb = fc.record({
      boot: fc.nat(MAX_COUNTER_VALUE - 1),
      left: fc.nat(5), // messages before the wrap, after the first
      after: fc.integer({ min: 1, max: 10 }), // messages after the wrap
      passes: fc.array(fc.nat(3), { minLength: 16, maxLength: 16 }),
      next: fc.record({ in: fc.nat(50), out: fc.nat(50) }),
    });
    fc.assert(
      fc.property(arb, ({ boot, left, after, passes, next }) => {
        const ledger = ledgerOf(lotsFile());
        let cars = 0;
        const messages = Array.from({ length: left + 1 + after }, (_, k) => ({ boot, seq: (MAX_COUNTER_VALUE - left + k) % 2 ** 32, ts: NOW, in: (cars += passes[k]!), out: 0 }));
        const outcomes = messages.map((m) => send(ledger, m));
        expect(outcomes.slice(left + 1).every((o) => o.ok && o.outcome === 'duplicate')).toBe(true);
        const counted = messages[left]!.in;
        expect(raw(ledger)).toBe(counted);
        send(ledger, { boot: boot + 1, seq: 0, ts: NOW, ...next });
        expect(raw(ledger)).toBe(counted + next.in - next.out);
      }),
    );
  });

  it('counts exactly with counters up to 2^32 - 1 and boots up to 2^32 - 1: every sum stays a safe integer', () => {
    fc.assert(
      fc.property(gateLife(6), (boots) => {
        const total = countOf(boots.flat());
        expect(Number.isSafeInteger(total)).toBe(true);
        expect(total).toBe(boots.reduce((sum, run) => sum + net(run.at(-1)!), 0));
      }),
    );
  });

  it('after an admin reset, the next reading of any boot changes nothing and later ones count from it', () => {
    const arb = fc.tuple(gateLife(2), counterValue().chain((boot) => bootRun(boot)));
    fc.assert(
      fc.property(arb, ([before, after]) => {
        const ledger = ledgerOf(lotsFile());
        for (const m of before.flat()) send(ledger, m);
        const count = raw(ledger);
        ledger.resetSensor(LOT, { requestId: 'r', resetSensor: 'g0', expiresAt: NOW + 1 });
        after.forEach((m, k) => {
          expect(send(ledger, m)).toMatchObject({ outcome: k === 0 ? 'baseline' : 'applied' });
          expect(raw(ledger)).toBe(count + net(m) - net(after[0]!));
        });
      }),
    );
  });
});

type Op =
  | { kind: 'reading'; sensor: number; message: CounterMessage }
  | { kind: 'calibrate'; occupied: number }
  | { kind: 'reset'; sensor: number }
  | { kind: 'restart' };

const anyMessage: fc.Arbitrary<CounterMessage> = fc.record({ boot: counterValue(), seq: counterValue(), ts: fc.constant(NOW), in: counterValue(), out: counterValue() });

/** A lot of 1–3 gates and any capacity and thresholds, and anything that may happen to it. */
const lotLife = fc
  .record({ sensors: fc.integer({ min: 1, max: 3 }), capacity: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5000 })), thresholds })
  .chain((cfg) => {
    const sensor = fc.nat(cfg.sensors - 1);
    // Any valid message at all, not only what good firmware sends.
    const gateStep = fc.record({ kind: fc.constant('reading' as const), sensor, message: anyMessage });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: gateStep },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('calibrate' as const), occupied: fc.nat(cfg.capacity) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), sensor }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
    );
    return fc.tuple(fc.constant(cfg), fc.array(op, { maxLength: 60 }));
  });

function run(ledger: Ledger, lots: LotsFile, op: Op): Ledger {
  switch (op.kind) {
    case 'reading':
      send(ledger, op.message, `g${op.sensor}`);
      return ledger;
    case 'calibrate':
      expect(ledger.calibrate(LOT, { requestId: 'c', occupied: op.occupied, expiresAt: NOW + 1 })).toMatchObject({ ok: true });
      return ledger;
    case 'reset':
      ledger.resetSensor(LOT, { requestId: 'r', resetSensor: `g${op.sensor}`, expiresAt: NOW + 1 });
      return ledger;
    case 'restart':
      return ledgerOf(lots, ledger);
  }
}

describe('what a lot shows, whatever happens to it (property)', () => {
  it('the shown count is always within 0..capacity, with available and occupancy consistent, and the level within its band', () => {
    fc.assert(
      fc.property(lotLife, ([cfg, ops]) => {
        const lots = lotsFile(cfg);
        let ledger = ledgerOf(lots);
        for (const op of ops) {
          ledger = run(ledger, lots, op);
          const s = ledger.status(LOT)!;
          const r = raw(ledger);
          expect(Number.isSafeInteger(r)).toBe(true);
          expect(s.occupied).toBe(Math.min(cfg.capacity, Math.max(0, r)));
          expect(s.available).toBe(cfg.capacity - s.occupied);
          expect(s.occupancy).toBe(s.occupied / cfg.capacity);
          expect(s.label).toBe(labelOf(s.level));
          if (s.level !== 'unknown') expect(bandBroken(s.level, (s.occupied / cfg.capacity) * 100, cfg.thresholds)).toBeNull();
        }
      }),
    );
  });

  it('gates of one lot do not interfere: any interleaving of their messages gives the sum of each counted alone', () => {
    const arb = fc
      .array(gateLife(3), { minLength: 2, maxLength: 3 })
      .chain((gates) => {
        const tagged = gates.flatMap((g, sensor) => g.flat().map((m) => ({ sensor, m })));
        return fc.tuple(fc.constant(gates), fc.shuffledSubarray(tagged, { minLength: tagged.length, maxLength: tagged.length }));
      })
      .map(([gates, shuffled]) => {
        // Keep each gate's own order (a gate's messages arrive in order here), interleave the gates at random.
        const queues = gates.map((g) => g.flat());
        return { gates, interleaved: shuffled.map(({ sensor }) => ({ sensor, m: queues[sensor]!.shift()! })) };
      });
    fc.assert(
      fc.property(arb, ({ gates, interleaved }) => {
        const ledger = ledgerOf(lotsFile({ sensors: gates.length }));
        for (const { sensor, m } of interleaved) send(ledger, m, `g${sensor}`);
        expect(raw(ledger)).toBe(gates.reduce((sum, g) => sum + countOf(g.flat()), 0));
      }),
    );
  });

  it('a restart from the saved state changes nothing: the same status now, and the same count for every later message', () => {
    const arb = lotLife.chain(([cfg, ops]) => fc.tuple(fc.constant(cfg), fc.constant(ops), fc.array(fc.tuple(fc.nat(cfg.sensors - 1), anyMessage), { maxLength: 20 })));
    fc.assert(
      fc.property(arb, ([cfg, ops, later]) => {
        const lots = lotsFile(cfg);
        let ledger = ledgerOf(lots);
        for (const op of ops) ledger = run(ledger, lots, op);
        const restarted = ledgerOf(lots, ledger);
        expect(restarted.status(LOT)).toEqual(ledger.status(LOT));
        for (const [sensor, m] of later) {
          send(ledger, m, `g${sensor}`);
          send(restarted, m, `g${sensor}`);
          expect(restarted.status(LOT)).toEqual(ledger.status(LOT));
        }
      }),
    );
  });

  // The store keeps no level yet (docs/architecture.md, known limits): counts and outcomes only.
  it('a restart from what the embedded store kept counts every later reading as the running ledger does', async () => {
    const arb = lotLife.chain(([cfg, ops]) => fc.tuple(fc.constant(cfg), fc.constant(ops), fc.array(fc.tuple(fc.nat(cfg.sensors - 1), anyMessage), { maxLength: 20 })));
    await fc.assert(
      fc.asyncProperty(arb, async ([cfg, ops, later]) => {
        const lots = lotsFile(cfg);
        const store = createEmbeddedStore({ dataDir: '/nonexistent', logger }); // never started: memory only
        const ledger = createLedger({ lots, clock: { now: () => NOW }, store, logger });
        for (const op of ops) if (op.kind !== 'restart') run(ledger, lots, op);
        const restarted = ledgerOf(lots);
        restarted.restore(await store.restore([LOT]));
        expect(raw(restarted)).toBe(raw(ledger));
        for (const [sensor, m] of later) {
          expect(send(restarted, m, `g${sensor}`)).toEqual(send(ledger, m, `g${sensor}`));
          expect(raw(restarted)).toBe(raw(ledger));
        }
      }),
      { numRuns: 50 },
    );
  });

  it('a lot is unknown exactly when one of its gates has not been heard within staleAfterS (a duplicate or an old boot is no sign of life)', () => {
    const arb = fc.record({ sensors: fc.integer({ min: 1, max: 3 }), staleAfterS: fc.integer({ min: 1, max: 300 }) }).chain((cfg) =>
      fc.tuple(fc.constant(cfg), fc.array(fc.record({ sensor: fc.nat(cfg.sensors - 1), message: anyMessage, afterMs: fc.nat(400_000) }), { maxLength: 40 })),
    );
    fc.assert(
      fc.property(arb, ([cfg, events]) => {
        const lot = createLotState(lotsFile(cfg).lots[0]!);
        const heard = new Map<number, number>();
        let now = NOW;
        for (const { sensor, message, afterMs } of events) {
          now += afterMs;
          const { outcome } = lot.apply(`g${sensor}`, message, now);
          if (outcome.kind !== 'duplicate' && outcome.kind !== 'old-boot') heard.set(sensor, now);
          const silent = Array.from({ length: cfg.sensors }, (_, k) => heard.get(k)).some((t) => t === undefined || now - t > cfg.staleAfterS * 1000);
          const s = lot.status(now);
          expect([s.stale, s.level === 'unknown']).toEqual([silent, silent]);
        }
      }),
    );
  });

  it('a message that is not a valid reading never changes a count', () => {
    const payload = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
      // Almost valid: one key broken.
      fc
        .tuple(anyMessage, fc.constantFrom('boot', 'seq', 'ts', 'in', 'out', 'extra'), fc.constantFrom(-1, 1.5, 2 ** 32, '1', null, 1e400, -0.5))
        // ts is not a 32-bit counter: 2^32 is a valid ts, 2^53 is not a safe integer.
        .map(([m, key, bad]) => JSON.stringify({ ...m, [key]: key === 'ts' && bad === 2 ** 32 ? 2 ** 53 : bad })),
    );
    fc.assert(
      fc.property(gateLife(1), fc.array(payload, { maxLength: 5 }), (boots, payloads) => {
        const ledger = ledgerOf(lotsFile());
        for (const m of boots.flat()) send(ledger, m);
        const before = ledger.status(LOT);
        for (const p of payloads) expect(ledger.handle(`parking/v1/${LOT}/g0/counter`, Buffer.from(p))).toMatchObject({ ok: false });
        expect(ledger.status(LOT)).toEqual(before);
        expect(Object.values(ledger.stats().rejected).reduce((a, b) => a + b, 0)).toBe(payloads.length);
      }),
    );
  });
});

/**
 * Generators and the reference model for property tests of the counting rules (pure: no I/O). A gate is
 * modelled the way docs/protocol.md tells firmware to behave: per boot, `seq` +1 per message and
 * cumulative `in`/`out` since the boot; so every generated message is one a real gate could send.
 */
import fc from 'fast-check';
import { Thresholds, type KnownLevel } from '../../core/index.js';
import { MAX_COUNTER_VALUE, type CounterMessage } from '../../protocol/index.js';

/** Most messages in one generated boot, and most vehicles one message may add per direction. */
export const MAX_MESSAGES_PER_BOOT = 20;
export const MAX_PASSES_PER_MESSAGE = 3;
const HEADROOM = MAX_MESSAGES_PER_BOOT * MAX_PASSES_PER_MESSAGE;

/** A counter value biased toward the edges that break code: 0, small, and just under 2^32. */
export function counterValue(max = MAX_COUNTER_VALUE): fc.Arbitrary<number> {
  return fc.oneof(fc.constant(0), fc.nat(1000), fc.integer({ min: Math.max(0, max - 1000), max }), fc.nat(max));
}

/**
 * One boot of one gate: messages with consecutive seq and cumulative counts. The first message may
 * already carry counts (vehicles since the boot, before the first message we generate), near 2^32.
 */
export function bootRun(boot: number, ts = 0): fc.Arbitrary<CounterMessage[]> {
  return fc
    .record({
      seq0: counterValue(MAX_COUNTER_VALUE - MAX_MESSAGES_PER_BOOT),
      in0: counterValue(MAX_COUNTER_VALUE - HEADROOM),
      out0: counterValue(MAX_COUNTER_VALUE - HEADROOM),
      steps: fc.array(fc.record({ ins: fc.nat(MAX_PASSES_PER_MESSAGE), outs: fc.nat(MAX_PASSES_PER_MESSAGE) }), {
        minLength: 1,
        maxLength: MAX_MESSAGES_PER_BOOT,
      }),
    })
    .map(({ seq0, in0, out0, steps }) => {
      let [i, o] = [in0, out0];
      return steps.map(({ ins, outs }, k) => {
        i += ins;
        o += outs;
        return { boot, seq: seq0 + k, ts, in: i, out: o };
      });
    });
}

/** A gate's life: 1 to `maxBoots` boots with strictly increasing boot numbers (gaps allowed). */
export function gateLife(maxBoots = 4, ts = 0): fc.Arbitrary<CounterMessage[][]> {
  return fc
    .uniqueArray(counterValue(), { minLength: 1, maxLength: maxBoots })
    .map((boots) => boots.sort((a, b) => a - b))
    .chain((boots) => fc.tuple(...boots.map((b) => bootRun(b, ts))));
}

/** The messages delivered, each at least once (duplicates up to 3), in any order. */
export function duplicatedAndReordered<T>(messages: readonly T[]): fc.Arbitrary<T[]> {
  return fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: messages.length, maxLength: messages.length })
    .map((copies) => messages.flatMap((m, k) => Array<T>(copies[k]!).fill(m)))
    .chain((all) => fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
}

/** Any valid per-lot thresholds (the shape the lots file accepts), integer or fractional percents. */
export const thresholds: fc.Arbitrary<Thresholds> = fc
  .tuple(
    fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })), { minLength: 4, maxLength: 4 }),
    fc.boolean(),
  )
  .map(([values, swap]) => {
    const [a, b, c, d] = values.sort((x, y) => x - y) as [number, number, number, number];
    const [afi, fd] = swap ? [c, b] : [b, c];
    return Thresholds.parse({ almostFullDecreasing: a, almostFullIncreasing: afi, fullDecreasing: fd, fullIncreasing: d });
  });

/** The net count a message says its gate added since its boot. */
export const net = (m: Pick<CounterMessage, 'in' | 'out'>) => m.in - m.out;

/**
 * The band each level promises, in percent of capacity (docs/protocol.md, "Levels"): 満 only at or
 * above fullDecreasing and always at or above fullIncreasing; 空 only below almostFullIncreasing
 * and always below almostFullDecreasing; 混 in between. Returns what is broken, or null.
 */
export function bandBroken(level: KnownLevel, percent: number, t: Thresholds): string | null {
  if (percent >= t.fullIncreasing && level !== 'full') return `${level} at ${percent} % >= fullIncreasing ${t.fullIncreasing}`;
  if (percent < t.almostFullDecreasing && level !== 'vacant') return `${level} at ${percent} % < almostFullDecreasing ${t.almostFullDecreasing}`;
  if (level === 'full' && percent < t.fullDecreasing) return `full at ${percent} % < fullDecreasing ${t.fullDecreasing}`;
  if (level === 'vacant' && percent >= t.almostFullIncreasing) return `vacant at ${percent} % >= almostFullIncreasing ${t.almostFullIncreasing}`;
  return null;
}

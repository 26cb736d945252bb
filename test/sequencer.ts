/**
 * Longest files first, so the two workers finish together (longest-processing-time scheduling).
 * Vitest's own order uses the durations it cached from the last run on this machine; a fresh clone
 * (CI) has none and would run files in glob order, leaving one worker on a 2-minute file at the end.
 * SLOW_FIRST is that order as measured in a full run on this machine (seconds in the comments); the files
 * not listed follow in vitest's order (cached duration, else size). Keep it to the slow ones.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOW_FIRST = [
  'test/integration/drills.test.ts', // 142 s
  'test/integration/cli.test.ts', // 138 s
  'test/integration/scale.test.ts', // 116 s
  'test/integration/sim-cli.test.ts', // 58 s
  'test/integration/mosquitto.test.ts', // 54 s
  'test/integration/docs.test.ts', // 53 s
  'test/integration/broker-config.test.ts', // 46 s
  'test/integration/tls-cli.test.ts', // 41 s
  'test/integration/nats.test.ts', // 36 s
  'test/browser/widget.test.ts', // 33 s
  'test/integration/ngsi-cli.test.ts', // 30 s
  'test/integration/forecast.test.ts', // 28 s
  'test/browser/ops.test.ts', // 27 s
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    return base.map((f, i) => ({ f, i, r: rank(f) })).sort((a, b) => a.r - b.r || a.i - b.i).map(({ f }) => f);
  }
}

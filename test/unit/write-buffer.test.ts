import { describe, expect, it } from 'vitest';
import { createWriteBuffer } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';

/** A store stand-in that can be made to fail: the real InfluxDB path is covered in test/integration. */
function flakyStore() {
  const written: number[] = [];
  let failing: 'no' | 'retryable' | 'fatal' = 'no';
  let attempts = 0;
  return {
    written,
    get attempts() {
      return attempts;
    },
    fail(mode: 'no' | 'retryable' | 'fatal') {
      failing = mode;
    },
    async write(batch: number[]) {
      attempts += 1;
      if (failing !== 'no') throw Object.assign(new Error(failing), { fatal: failing === 'fatal' });
      written.push(...batch);
    },
  };
}

const options = (store: ReturnType<typeof flakyStore>, extra = {}) => ({
  write: (b: number[]) => store.write(b),
  isRetryable: (err: unknown) => !(err as { fatal?: boolean }).fatal,
  flushIntervalMs: 5,
  initialBackoffMs: 5,
  maxBackoffMs: 20,
  ...extra,
});

describe('write buffer', () => {
  it('writes in order, in batches no larger than batchSize', async () => {
    const store = flakyStore();
    const batches: number[] = [];
    const buffer = createWriteBuffer<number>({ ...options(store), batchSize: 3, write: (b) => (batches.push(b.length), store.write(b)) });
    buffer.push([1, 2, 3, 4]);
    buffer.push([5, 6, 7]);
    expect(await buffer.flush(2000)).toBe(true);
    expect(store.written).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...batches)).toBeLessThanOrEqual(3);
    expect(buffer.stats()).toMatchObject({ buffered: 0, written: 7, dropped: 0 });
  });

  it('keeps points while the store is down and writes them in order on recovery', async () => {
    const store = flakyStore();
    const buffer = createWriteBuffer<number>(options(store));
    store.fail('retryable');
    buffer.push([1, 2]);
    await waitFor(() => store.attempts >= 3);
    buffer.push([3]);
    expect(buffer.stats().buffered).toBe(3);
    expect(buffer.stats().lastError).toBe('retryable');
    store.fail('no');
    expect(await buffer.flush(2000)).toBe(true);
    expect(store.written).toEqual([1, 2, 3]);
    expect(buffer.stats().lastError).toBeNull();
  });

  it('drops the oldest points when full, and counts them', async () => {
    const store = flakyStore();
    const buffer = createWriteBuffer<number>({ ...options(store), maxBuffered: 5 });
    store.fail('retryable');
    buffer.push([1, 2, 3]);
    await waitFor(() => store.attempts >= 1);
    buffer.push([4, 5, 6, 7]);
    expect(buffer.stats()).toMatchObject({ buffered: 5, dropped: 2 });
    store.fail('no');
    await buffer.flush(2000);
    expect(store.written).toEqual([3, 4, 5, 6, 7]);
  });

  it('does not retry a batch the store refuses (a 400), and counts it as dropped', async () => {
    const store = flakyStore();
    const buffer = createWriteBuffer<number>(options(store));
    store.fail('fatal');
    buffer.push([1, 2]);
    await buffer.flush(2000);
    expect(store.attempts).toBe(1);
    expect(buffer.stats()).toMatchObject({ dropped: 2, buffered: 0 });
    store.fail('no');
    buffer.push([3]);
    await buffer.flush(2000);
    expect(store.written).toEqual([3]);
  });

  it('stop() reports what could not be written', async () => {
    const store = flakyStore();
    const buffer = createWriteBuffer<number>(options(store));
    store.fail('retryable');
    buffer.push([1, 2, 3]);
    expect(await buffer.stop(50)).toBe(3);
  });
});

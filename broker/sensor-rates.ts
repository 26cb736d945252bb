/**
 * A publish rate cap per sensor account: a token bucket each (core/token-bucket.ts), so one
 * broken gate that floods cannot starve the others of the broker and ingest. Memory is one
 * bucket per sensor that has published (sensors are the lots file's, a bounded set).
 */
import { createTokenBucket, type TokenBucket } from '../core/index.js';

export interface SensorRates {
  /** Takes one message from the sensor's allowance; false when it is over its rate. */
  allow(sensorId: string, nowMs: number): boolean;
}

/** @example createSensorRates({ perSecond: 20, burst: 100 }).allow('gate-a1', Date.now()) // true */
export function createSensorRates({ perSecond, burst }: { perSecond: number; burst: number }): SensorRates {
  const buckets = new Map<string, TokenBucket>();
  return {
    allow(sensorId, nowMs) {
      let bucket = buckets.get(sensorId);
      if (!bucket) buckets.set(sensorId, (bucket = createTokenBucket({ perSecond, burst })));
      return bucket.take(nowMs);
    },
  };
}

/**
 * Calibration requests: publish a command to ingest and wait for its result, by request id.
 *
 * Each command carries a deadline (`expiresAt`, this API's clock + timeoutMs); ingest refuses it
 * after that by its own clock. We answer "timed out" only once the deadline plus `graceMs` has
 * passed, so a 504 means the command can no longer be applied, provided the two hosts' clocks
 * agree within `graceMs` (NTP keeps them within milliseconds).
 */
import { randomUUID } from 'node:crypto';
import { calibrationTopic, CalibrationResult, decodeWith, parseCalibrationResultTopic } from '../protocol/index.js';
import { systemClock, type Clock } from '../core/index.js';

/** What an admin asks of ingest for one lot: its true count now, or to reset one sensor's reference. */
export type LotCommandBody = { occupied: number } | { resetSensor: string };

export interface Calibrator {
  /** Resolves with ingest's answer, or null when none came before the command expired. */
  request(lotId: string, body: LotCommandBody): Promise<CalibrationResult | null>;
  onResult(topic: string, payload: Buffer): void;
}

export interface CalibratorOptions {
  publish(topic: string, payload: string): Promise<void>;
  /** How long ingest may take to apply a command (its deadline). */
  timeoutMs?: number;
  /** Clock difference between the API's and ingest's hosts that is tolerated. */
  graceMs?: number;
  clock?: Clock;
}

export function createCalibrator({ publish, timeoutMs = 5000, graceMs = 1000, clock = systemClock }: CalibratorOptions): Calibrator {
  const pending = new Map<string, (r: CalibrationResult) => void>();
  return {
    async request(lotId, body) {
      const requestId = randomUUID();
      const expiresAt = clock.now() + timeoutMs;
      const answer = new Promise<CalibrationResult | null>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          resolve(null);
        }, timeoutMs + graceMs);
        pending.set(requestId, (r) => {
          clearTimeout(timer);
          pending.delete(requestId);
          resolve(r);
        });
      });
      await publish(calibrationTopic(lotId), JSON.stringify({ requestId, ...body, expiresAt }));
      return answer;
    },
    onResult(topic, payload) {
      if (!parseCalibrationResultTopic(topic)) return;
      const result = decodeWith(CalibrationResult, payload);
      if (result.ok) pending.get(result.data.requestId)?.(result.data);
    },
  };
}

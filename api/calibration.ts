/** Calibration requests: publish a command to ingest and wait for its result, by request id. */
import { randomUUID } from 'node:crypto';
import { calibrationTopic, CalibrationResult, decodeWith, parseCalibrationResultTopic } from '../protocol/index.js';

export interface Calibrator {
  /** Resolves with ingest's answer, or null when none came within the timeout. */
  request(lotId: string, occupied: number): Promise<CalibrationResult | null>;
  onResult(topic: string, payload: Buffer): void;
}

export function createCalibrator({ publish, timeoutMs = 5000 }: { publish(topic: string, payload: string): Promise<void>; timeoutMs?: number }): Calibrator {
  const pending = new Map<string, (r: CalibrationResult) => void>();
  return {
    async request(lotId, occupied) {
      const requestId = randomUUID();
      const answer = new Promise<CalibrationResult | null>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          resolve(null);
        }, timeoutMs);
        pending.set(requestId, (r) => {
          clearTimeout(timer);
          pending.delete(requestId);
          resolve(r);
        });
      });
      await publish(calibrationTopic(lotId), JSON.stringify({ requestId, occupied }));
      return answer;
    },
    onResult(topic, payload) {
      if (!parseCalibrationResultTopic(topic)) return;
      const result = decodeWith(CalibrationResult, payload);
      if (result.ok) pending.get(result.data.requestId)?.(result.data);
    },
  };
}

import { describe, expect, it } from 'vitest';
import { createCalibrator } from '../../api/calibration.js';

describe('calibrator', () => {
  it('sends the command with a deadline and resolves with the answer of the same request', async () => {
    const sent: Array<{ topic: string; body: Record<string, unknown> }> = [];
    const calibrator = createCalibrator({ publish: async (topic, payload) => void sent.push({ topic, body: JSON.parse(payload) }), timeoutMs: 5000, clock: { now: () => 1000 } });
    const answer = calibrator.request('lot-a', { occupied: 7 });
    await Promise.resolve();
    expect(sent[0]).toMatchObject({ topic: 'parking/v1/lot-a/calibration', body: { occupied: 7, expiresAt: 6000 } });
    const requestId = sent[0]!.body.requestId as string;
    calibrator.onResult('parking/v1/lot-a/calibration/result', Buffer.from(JSON.stringify({ requestId: 'someone-else', ok: true, occupied: 1, previous: 0 })));
    calibrator.onResult('parking/v1/lot-a/calibration/result', Buffer.from(JSON.stringify({ requestId, ok: true, occupied: 7, previous: 3 })));
    expect(await answer).toEqual({ requestId, ok: true, occupied: 7, previous: 3 });
  });

  it('gives up (null) only after the deadline and the grace have passed', async () => {
    const calibrator = createCalibrator({ publish: async () => {}, timeoutMs: 30, graceMs: 30 });
    const started = performance.now();
    expect(await calibrator.request('lot-a', { resetSensor: 'g1' })).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(59);
  });
});

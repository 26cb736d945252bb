/** `manku_nudge_events_total{event,level}` and `manku_nudge_events_rejected_total{reason}`, read from the recorder at scrape time. */
import { Counter, type Registry } from 'prom-client';
import { NUDGE_REJECT_REASONS, type NudgeRecorder } from './nudge-recorder.js';

export function registerNudgeMetrics(registry: Registry, recorder: Pick<NudgeRecorder, 'totals'>) {
  new Counter({
    name: 'manku_nudge_events_total',
    help: 'Bus suggestions counted from widgets, by event (shown, followed) and level',
    labelNames: ['event', 'level'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of recorder.totals().accepted) {
        const [event, level] = key.split('|');
        this.inc({ event, level }, n);
      }
    },
  });
  new Counter({
    name: 'manku_nudge_events_rejected_total',
    help: 'Nudge events refused and not counted, by reason (opted_out: GPC/DNT)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of NUDGE_REJECT_REASONS) this.inc({ reason }, recorder.totals().rejected[reason]);
    },
  });
}

/** One lot's gates as a table: silent ones first, their rows red and marked in words too. */
import type { LotGates } from '../protocol/gates.js';
import { h } from './dom.js';
import type { Texts } from './texts.js';

export function gatesTable(g: LotGates, t: Texts, lang: string, timeZone: string | undefined): HTMLElement {
  const time = (iso: string | null) =>
    iso ? new Date(iso).toLocaleString(lang, { timeZone, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : t.never;
  const rejected = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const head = [t.gate, t.state, t.lastSeen, t.bootSeq, t.accepted, t.duplicates, t.anomalies, t.rejected, t.skew];
  const rows = g.gates.map((gate) =>
    h(
      'tr',
      { class: gate.online ? 'online' : 'silent', 'data-gate': gate.sensorId },
      h('th', { scope: 'row' }, gate.sensorId),
      h('td', { class: 'state' }, gate.online ? t.online : t.silent),
      h('td', {}, time(gate.lastSeenAt)),
      h('td', {}, gate.boot === null ? '—' : `${gate.boot} / ${gate.seq}`),
      h('td', {}, gate.accepted),
      h('td', {}, gate.outcomes.duplicate ?? 0),
      h('td', { class: 'anomalies' }, gate.outcomes.anomaly ?? 0),
      h('td', {}, rejected(gate.rejected)),
      h('td', {}, gate.lastSkewMs === null ? '—' : `${(gate.lastSkewMs / 1000).toFixed(1)} s`),
    ),
  );
  const table = h(
    'table',
    { class: 'gates' },
    h('caption', {}, t.gates),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows),
  );
  const drift = g.drift && g.occupiedRaw !== null ? h('p', { class: 'drift' }, t.drift(g.occupiedRaw, g.capacity)) : null;
  const note = g.at === null ? h('p', { class: 'help' }, t.notReported) : null;
  return h('div', {}, table, drift, note);
}

/**
 * The calibration form: lot and true count, then an explicit confirmation naming both (and the
 * count now), then the API's answer in a live region. Native controls only: keyboard-usable as is.
 */
import type { LotStatus } from '../protocol/status.js';
import { calibrate } from './api.js';
import { h } from './dom.js';
import type { Texts } from './texts.js';

export interface CalibrationContext {
  t: Texts;
  lang: 'ja' | 'en';
  lots: () => LotStatus[];
  token: () => string | null;
  /** The answer was a refused token (401/403). */
  onAuthError(message: string): void;
}

export function calibrationForm(ctx: CalibrationContext): HTMLElement {
  const { t } = ctx;
  const nameOf = (s: LotStatus) => s.name[ctx.lang];
  const lot = h('select', { id: 'cal-lot', name: 'lot' }, ...ctx.lots().map((s) => h('option', { value: s.lotId }, nameOf(s))));
  const count = h('input', { id: 'cal-occupied', name: 'occupied', type: 'number', min: 0, step: 1, required: true, inputmode: 'numeric' });
  const question = h('p', { id: 'cal-question' });
  const yes = h('button', { type: 'button', id: 'cal-confirm', class: 'primary' }, t.confirm);
  const no = h('button', { type: 'button', id: 'cal-cancel' }, t.cancel);
  const confirm = h('div', { id: 'cal-confirm-box', role: 'group', 'aria-labelledby': 'cal-question', hidden: true }, question, yes, ' ', no);
  const result = h('p', { id: 'cal-result', class: 'result', role: 'status', 'aria-live': 'polite' });
  let pending: { lotId: string; occupied: number } | null = null;

  const selected = () => ctx.lots().find((s) => s.lotId === lot.value);
  const syncMax = () => {
    const s = selected();
    if (s) count.max = String(s.capacity);
  };
  lot.addEventListener('change', syncMax);
  syncMax();

  const close = () => {
    pending = null;
    confirm.hidden = true;
  };

  const form = h(
    'form',
    { id: 'calibration-form', novalidate: true },
    h('label', { for: 'cal-lot' }, t.lot),
    lot,
    h('label', { for: 'cal-occupied' }, t.trueCount),
    count,
    ' ',
    h('button', { type: 'submit', id: 'cal-submit' }, t.calibrate),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = selected();
    const n = Number(count.value);
    if (!s) return;
    if (count.value.trim() === '' || !Number.isInteger(n) || n < 0 || n > s.capacity) {
      result.textContent = t.badNumber(s.capacity);
      result.className = 'result error';
      count.focus();
      return;
    }
    pending = { lotId: s.lotId, occupied: n };
    question.textContent = t.confirmQ(nameOf(s), n, s.occupied);
    confirm.hidden = false;
    result.textContent = '';
    yes.focus();
  });
  no.addEventListener('click', () => {
    close();
    result.textContent = t.cancelled;
    result.className = 'result';
    count.focus();
  });
  yes.addEventListener('click', async () => {
    const p = pending;
    if (!p) return;
    close();
    const token = ctx.token();
    result.className = 'result';
    if (!token) {
      result.textContent = t.failed(t.gatesNeedToken);
      result.className = 'result error';
      return;
    }
    result.textContent = t.sending;
    const answer = await calibrate(p.lotId, p.occupied, token);
    const name = nameOf(ctx.lots().find((s) => s.lotId === p.lotId)!);
    if (answer.ok) {
      result.textContent = t.calibrated(name, answer.data.occupied, answer.data.previous);
    } else {
      result.textContent = t.failed(answer.message);
      result.className = 'result error';
      if (answer.status === 401 || answer.status === 403) ctx.onAuthError(answer.message);
    }
    count.focus();
  });
  return h('div', {}, form, confirm, result);
}

/** The chart section: a lot picker, today against the typical day (history), the forecast when the live status has one. */
import type uPlot from 'uplot';
import type { LotStatus } from '../protocol/status.js';
import { getHistory } from './api.js';
import { COLORS, drawChart } from './chart.js';
import { h } from './dom.js';
import type { Texts } from './texts.js';
import { bySlot, daysToFetch, forecastSlots, SLOT_MS, slotHours, typicalDay, weekdayOf } from './typical-day.js';

/** The contract's live forecast (helper fcapi); absent until the forecast is served. */
type WithForecast = LotStatus & { forecast?: { points?: Array<{ at: string; occupied: number }> } };

export interface ChartSection {
  el: HTMLElement;
  /** A live status arrived: the forecast (and now) may have changed. */
  onStatus(status: LotStatus): void;
}

export function chartSection(t: Texts, lang: 'ja' | 'en', lots: () => LotStatus[]): ChartSection {
  const pick = h('select', { id: 'chart-lot' }, ...lots().map((s) => h('option', { value: s.lotId }, s.name[lang])));
  const box = h('div', { class: 'chart', id: 'chart', role: 'img', 'aria-label': t.chart });
  const legend = h('p', { class: 'legend' });
  const summary = h('p', { id: 'chart-summary', 'aria-live': 'polite' });
  let plot: uPlot | null = null;
  let data: { lotId: string; dayStart: number; today: Array<number | null>; typical: Array<number | null>; zone: string } | null = null;
  let forecast: WithForecast['forecast'] | undefined;

  function draw() {
    const s = lots().find((l) => l.lotId === pick.value);
    if (!data || !s) return;
    const fc = forecastSlots(forecast?.points ?? [], data.dayStart);
    const wd = t.weekdays[weekdayOf(data.zone, data.dayStart)] ?? '';
    const labels = { today: t.today, typical: t.typical(wd), forecast: t.forecast };
    plot = drawChart(box, { x: slotHours(), today: data.today, typical: data.typical, forecast: fc, capacity: s.capacity, labels }, plot);
    const key = (label: string, color: string) => h('span', {}, h('span', { class: 'swatch', 'data-color': color }), label);
    legend.replaceChildren(key(labels.today, COLORS.today), key(labels.typical, COLORS.typical), ...(fc.some((v) => v !== null) ? [key(labels.forecast, COLORS.forecast)] : []));
    for (const sw of legend.querySelectorAll<HTMLElement>('.swatch')) sw.style.background = sw.dataset.color!; // CSSOM: allowed under the CSP
    const nowSlot = Math.floor((Date.now() - data.dayStart) / SLOT_MS);
    summary.textContent = t.chartSummary(s.occupied, data.typical[nowSlot] ?? null);
  }

  async function load() {
    const s = lots().find((l) => l.lotId === pick.value);
    if (!s) return;
    const zone = s.timeZone ?? 'Asia/Tokyo';
    const now = Date.now();
    const { today, earlier } = daysToFetch(zone, now);
    const day = (start: number, end: number) => getHistory(s.lotId, start, end, '15m');
    const answers = await Promise.all([day(today, now), ...earlier.map((d) => day(d, d + 86_400_000))]);
    if (pick.value !== s.lotId) return; // another lot was picked meanwhile
    if (!answers[0]!.ok) {
      summary.textContent = `${t.noHistory}: ${answers[0]!.message}`;
      return;
    }
    const series = answers.map((a, i) => bySlot(a.ok ? a.data.points : [], i === 0 ? today : earlier[i - 1]!));
    data = { lotId: s.lotId, dayStart: today, today: series[0]!, typical: typicalDay(series.slice(1)), zone };
    forecast = (s as WithForecast).forecast;
    draw();
  }

  pick.addEventListener('change', () => void load());
  void load();
  const el = h('div', {}, h('label', { for: 'chart-lot' }, t.lot), pick, box, legend, summary);
  return {
    el,
    onStatus(status) {
      if (status.lotId !== pick.value || !data) return;
      forecast = (status as WithForecast).forecast;
      draw();
    },
  };
}

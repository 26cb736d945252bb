/**
 * The nudge panel (issue 15 item 4): per lot, bus suggestions shown and chosen per local day by
 * level, the follow-up rate in words, and beside it the lot's busy hours (mean occupancy by hour of
 * day from the history), so an operator sees whether suggestions happen when the lot is busy.
 * Both endpoints are public: no token needed. The tables carry every figure the charts draw.
 */
import type uPlot from 'uplot';
import type { NudgeLevel } from '../protocol/nudge.js';
import type { LotStatus } from '../protocol/status.js';
import { getHistory, getNudgeStats } from './api.js';
import { h } from './dom.js';
import { drawDaily, drawHourly, NUDGE_COLORS, OCCUPANCY_COLOR, type StackSeries } from './nudge-chart.js';
import { busyHours, countsByDay, countsByHour, NUDGE_LEVELS, nudgeWindow, peakHour, ratePercent, total, type BusyHour, type Counts } from './nudge-days.js';
import type { Texts } from './texts.js';

export const NUDGE_PERIODS = [28, 7] as const;

interface Loaded {
  days: number;
  zone: string;
  dayStarts: number[];
  byDay: Counts[];
  byHour: Counts[];
  busy: BusyHour[];
}

export function nudgeSection(t: Texts, lang: 'ja' | 'en', lots: () => LotStatus[]): HTMLElement {
  const pick = h('select', { id: 'nudge-lot' }, ...lots().map((s) => h('option', { value: s.lotId }, s.name[lang])));
  const period = h('select', { id: 'nudge-days' }, ...NUDGE_PERIODS.map((n) => h('option', { value: n }, t.lastDays(n))));
  const summary = h('p', { id: 'nudge-summary', 'aria-live': 'polite' });
  const body = h('div', { id: 'nudge-body' });
  let daily: uPlot | null = null;
  let hourly: uPlot | null = null;
  let asked = 0;

  async function load() {
    const s = lots().find((l) => l.lotId === pick.value);
    if (!s) return;
    const ask = ++asked;
    const days = Number(period.value);
    const zone = s.timeZone ?? 'Asia/Tokyo';
    const w = nudgeWindow(zone, Date.now(), days);
    const [stats, history] = await Promise.all([getNudgeStats(s.lotId, w.fromMs, w.toMs), getHistory(s.lotId, w.fromMs, w.toMs, '1h')]);
    if (ask !== asked) return; // another lot or period was picked meanwhile
    daily?.destroy();
    hourly?.destroy();
    daily = hourly = null;
    if (!stats.ok) {
      summary.textContent = `${t.nudgeOff}: ${stats.message}`;
      body.replaceChildren();
      return;
    }
    const points = history.ok ? history.data.points : [];
    show(s, { days, zone, dayStarts: w.dayStarts, byDay: countsByDay(stats.data.buckets, w.dayStarts), byHour: countsByHour(stats.data.buckets, zone), busy: busyHours(points, zone, s.capacity) });
  }

  function show(s: LotStatus, d: Loaded) {
    const sum = total(d.byDay);
    if (sum.shown === 0 && sum.followed === 0) {
      summary.textContent = t.nudgeEmpty(d.days);
      body.replaceChildren(h('p', { id: 'nudge-hint', class: 'help' }, t.nudgeEmptyHint));
      return;
    }
    // 混 and 満 always; 空 only when this lot counted some (a lots file may suggest the bus at 空 too).
    const levels = NUDGE_LEVELS.filter((l) => l !== 'vacant' || sum.vacant.shown + sum.vacant.followed > 0);
    summary.textContent = t.nudgeTotal(d.days, sum.shown, sum.followed, ratePercent(sum.shown, sum.followed));
    const perLevel = h('ul', { id: 'nudge-levels' }, ...levels.map((l) => h('li', { 'data-level': l }, t.nudgeByLevel(t.level[l], sum[l].shown, sum[l].followed, ratePercent(sum[l].shown, sum[l].followed)))));
    const shownByHour = d.byHour.map((c) => NUDGE_LEVELS.reduce((n, l) => n + c[l].shown, 0));
    const followedByHour = d.byHour.map((c) => NUDGE_LEVELS.reduce((n, l) => n + c[l].followed, 0));
    const busiest = peakHour(d.busy.map((b) => b.meanPercent));
    const mostShown = peakHour(shownByHour);
    const peaks = h('p', { id: 'nudge-peaks' }, t.nudgePeaks(busiest, busiest === null ? null : d.busy[busiest]!.meanPercent, mostShown, mostShown === null ? 0 : shownByHour[mostShown]!));

    const dayLabel = new Intl.DateTimeFormat(lang, { timeZone: d.zone, month: 'numeric', day: 'numeric' });
    const dayKey = new Intl.DateTimeFormat('en-CA', { timeZone: d.zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const dayName = new Intl.DateTimeFormat(lang, { timeZone: d.zone, month: 'long', day: 'numeric', weekday: 'short' });
    const stacks = stackSeries(d.byDay, levels, t);
    const dailyBox = h('div', { class: 'chart', id: 'nudge-daily', role: 'img', 'aria-label': `${t.nudgeDaily}. ${summary.textContent}` });
    const hourlyBox = h('div', { class: 'chart', id: 'nudge-hourly', role: 'img', 'aria-label': `${t.nudgeHourly}. ${peaks.textContent}` });
    const labels = { occupancy: t.meanOccupancy, shown: t.shown, followed: t.followed };
    body.replaceChildren(
      perLevel,
      peaks,
      h('h3', {}, t.nudgeDaily),
      dailyBox,
      legend(stacks.map((x) => [x.label, x.color])),
      h('h3', {}, t.nudgeHourly),
      hourlyBox,
      legend([[labels.shown, NUDGE_COLORS.shown.crowded], [labels.followed, NUDGE_COLORS.followed.crowded], [labels.occupancy, OCCUPANCY_COLOR]]),
      h(
        'details',
        { id: 'nudge-tables' },
        h('summary', {}, t.tables),
        dayTable(d, levels, t, (ms) => dayKey.format(ms), (ms) => dayName.format(ms)),
        hourTable(d, shownByHour, followedByHour, t),
      ),
    );
    daily = drawDaily(dailyBox, d.dayStarts.map((ms) => dayLabel.format(ms)), stacks, null);
    hourly = drawHourly(hourlyBox, { occupancy: d.busy.map((b) => b.meanPercent), shown: shownByHour, followed: followedByHour, labels }, null);
  }

  pick.addEventListener('change', () => void load());
  period.addEventListener('change', () => void load());
  void load();
  return h('div', {}, h('label', { for: 'nudge-lot' }, t.lot), pick, h('label', { for: 'nudge-days' }, t.nudgeDays), period, summary, body);
}

/** Cumulative bars, top of the stack first (drawn first, then overdrawn by the levels below it). */
function stackSeries(byDay: readonly Counts[], levels: readonly NudgeLevel[], t: Texts): StackSeries[] {
  const out: StackSeries[] = [];
  for (const [kind, side] of [['shown', -1], ['followed', 1]] as const) {
    for (let top = levels.length - 1; top >= 0; top--) {
      const below = levels.slice(0, top + 1);
      const level = levels[top]!;
      out.push({
        label: kind === 'shown' ? t.shownAt(t.level[level]) : t.followedAt(t.level[level]),
        color: NUDGE_COLORS[kind][level],
        side,
        values: byDay.map((c) => below.reduce((n, l) => n + c[l][kind], 0)),
      });
    }
  }
  return out;
}

function legend(keys: Array<[string, string]>): HTMLElement {
  const p = h('p', { class: 'legend' }, ...keys.map(([label]) => h('span', {}, h('span', { class: 'swatch tall' }), label)));
  // CSSOM: allowed under the CSP (no inline style attribute)
  p.querySelectorAll<HTMLElement>('.swatch').forEach((sw, i) => (sw.style.background = keys[i]![1]));
  return p;
}

function dayTable(d: Loaded, levels: readonly NudgeLevel[], t: Texts, key: (ms: number) => string, name: (ms: number) => string): HTMLElement {
  const head = [t.day, ...levels.flatMap((l) => [t.shownAt(t.level[l]), t.followedAt(t.level[l])]), t.shown, t.followed, t.rate];
  const rows = d.dayStarts.map((ms, i) => {
    const c = d.byDay[i]!;
    const all = total([c]);
    return h(
      'tr',
      { 'data-day': key(ms + 12 * 3_600_000) },
      h('th', { scope: 'row' }, name(ms + 12 * 3_600_000)),
      ...levels.flatMap((l) => [h('td', { 'data-level': l, 'data-kind': 'shown' }, c[l].shown), h('td', { 'data-level': l, 'data-kind': 'followed' }, c[l].followed)]),
      h('td', { 'data-kind': 'shown' }, all.shown),
      h('td', { 'data-kind': 'followed' }, all.followed),
      h('td', {}, t.percent(ratePercent(all.shown, all.followed))),
    );
  });
  return table('nudge-day-table', t.nudgeDaily, head, rows);
}

function hourTable(d: Loaded, shown: number[], followed: number[], t: Texts): HTMLElement {
  const head = [t.hour, t.meanOccupancy, t.busyShare, t.shown, t.followed];
  const rows = d.busy.map((b, hour) =>
    h(
      'tr',
      { 'data-hour': hour },
      h('th', { scope: 'row' }, t.hourLabel(hour)),
      h('td', { 'data-kind': 'occupancy' }, t.percent(b.meanPercent)),
      h('td', {}, t.percent(b.busyPercent)),
      h('td', { 'data-kind': 'shown' }, shown[hour]!),
      h('td', { 'data-kind': 'followed' }, followed[hour]!),
    ),
  );
  return table('nudge-hour-table', t.nudgeHourly, head, rows);
}

const table = (id: string, caption: string, head: string[], rows: HTMLElement[]) =>
  h('table', { id }, h('caption', {}, caption), h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows));

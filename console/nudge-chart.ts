/**
 * The nudge panel's two charts (uPlot, bundled into ops.js). Levels are stacked by overdrawing:
 * the bar up to 満 first, then the one up to 混 over it, so each colour's visible height is its
 * level's count. Shown bars stand left of a tick, bus-chosen bars right of it. The figures are
 * also in tables beside the charts (the charts are pictures; the tables are what screen readers get).
 */
import uPlot from 'uplot';
import type { NudgeLevel } from '../protocol/nudge.js';

export const NUDGE_COLORS: Record<'shown' | 'followed', Record<NudgeLevel, string>> = {
  shown: { vacant: '#5b8a6f', crowded: '#d99a2b', full: '#c0392b' },
  followed: { vacant: '#1e5a3a', crowded: '#7a4a00', full: '#6e0f1a' },
};
export const OCCUPANCY_COLOR = '#1f3a5f';

export interface StackSeries {
  label: string;
  color: string;
  /** Bars left (shown) or right (chosen) of the tick. */
  side: -1 | 1;
  /** Cumulative values: this level and every level stacked below it. */
  values: number[];
}

const bars = (side: -1 | 1) => uPlot.paths.bars!({ align: side, size: [0.35, 24], gap: 1 });

/** Per-day stacked bars; `ticks` are the day labels. */
export function drawDaily(el: HTMLElement, ticks: string[], stacks: StackSeries[], previous: uPlot | null): uPlot {
  previous?.destroy();
  const x = ticks.map((_, i) => i);
  const max = Math.max(1, ...stacks.flatMap((s) => s.values));
  const opts: uPlot.Options = {
    width: widthOf(el),
    height: 220,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.7, ticks.length - 0.3] }, y: { range: [0, Math.ceil(max * 1.1)] } },
    axes: [{ values: (_u, v) => v.map((i) => ticks[i] ?? ''), incrs: [1, 7], space: 40 }, { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
    series: [{}, ...stacks.map((s) => ({ label: s.label, fill: s.color, stroke: s.color, width: 0, paths: bars(s.side), points: { show: false } }))],
  };
  return new uPlot(opts, [x, ...stacks.map((s) => s.values)] as uPlot.AlignedData, el);
}

/** By hour of day: mean occupancy (%, left axis, line) beside suggestions shown and chosen (bars, right axis). */
export function drawHourly(
  el: HTMLElement,
  s: { occupancy: Array<number | null>; shown: number[]; followed: number[]; labels: { occupancy: string; shown: string; followed: string } },
  previous: uPlot | null,
): uPlot {
  previous?.destroy();
  const x = Array.from({ length: 24 }, (_, i) => i);
  const max = Math.max(1, ...s.shown, ...s.followed);
  const opts: uPlot.Options = {
    width: widthOf(el),
    height: 220,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.7, 23.7] }, pct: { range: [0, 100] }, n: { range: [0, Math.ceil(max * 1.1)] } },
    axes: [
      { values: (_u, v) => v.map((h) => `${h}`), incrs: [1, 3, 6] },
      { scale: 'pct', values: (_u, v) => v.map((p) => `${p}%`) },
      { scale: 'n', side: 1, grid: { show: false } },
    ],
    series: [
      {},
      { label: s.labels.shown, scale: 'n', fill: NUDGE_COLORS.shown.crowded, width: 0, paths: bars(-1), points: { show: false } },
      { label: s.labels.followed, scale: 'n', fill: NUDGE_COLORS.followed.crowded, width: 0, paths: bars(1), points: { show: false } },
      { label: s.labels.occupancy, scale: 'pct', stroke: OCCUPANCY_COLOR, width: 2, points: { show: true, size: 5 } },
    ],
  };
  return new uPlot(opts, [x, s.shown, s.followed, s.occupancy] as uPlot.AlignedData, el);
}

const widthOf = (el: HTMLElement) => Math.max(320, Math.min(960, el.clientWidth - 16));

/**
 * The occupancy chart (uPlot, bundled into ops.js): today, the typical day for this weekday, and
 * the forecast points when the live status carries them (helper fcapi's `forecast`).
 */
import uPlot from 'uplot';

export interface ChartSeries {
  /** Hours since local midnight. */
  x: number[];
  today: Array<number | null>;
  typical: Array<number | null>;
  /** Forecast occupancy at x (null elsewhere); all null: none. */
  forecast: Array<number | null>;
  capacity: number;
  labels: { today: string; typical: string; forecast: string };
}

export const COLORS = { today: '#1f3a5f', typical: '#6b6b6b', forecast: '#b35900' };

const hh = (h: number) => `${String(Math.floor(h)).padStart(2, '0')}:${String(Math.round((h % 1) * 60)).padStart(2, '0')}`;

/** Draws (or redraws) the chart into `el`; returns the plot so the caller can destroy it. */
export function drawChart(el: HTMLElement, s: ChartSeries, previous: uPlot | null): uPlot {
  previous?.destroy();
  const width = Math.max(320, Math.min(960, el.clientWidth - 16));
  const opts: uPlot.Options = {
    width,
    height: 260,
    legend: { show: false }, // our own legend, in the page's language and readable without the canvas
    cursor: { show: false },
    scales: { x: { time: false, range: [0, 24] }, y: { range: [0, s.capacity] } },
    axes: [{ values: (_u, ticks) => ticks.map(hh), incrs: [1, 3, 6] }, {}],
    series: [
      {},
      { label: s.labels.today, stroke: COLORS.today, width: 2 },
      { label: s.labels.typical, stroke: COLORS.typical, width: 2, dash: [6, 4] },
      { label: s.labels.forecast, stroke: COLORS.forecast, width: 2, points: { show: true, size: 7 }, spanGaps: true },
    ],
  };
  return new uPlot(opts, [s.x, s.today, s.typical, s.forecast] as uPlot.AlignedData, el);
}

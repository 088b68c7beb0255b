// Time series with uPlot (served from the node's own copy, window.uPlot), sized to their box.
import { el } from './dom.js';

const COLORS = ['#1d4ed8', '#b42318', '#067647', '#b54708', '#7a2e98', '#0e7090', '#c11574', '#475467'];
export const color = (i) => COLORS[i % COLORS.length];

/**
 * A line chart over time: `series` is [{ label, points: [{ at, y }] }]; each series keeps its own
 * times (gaps spanned). `yLabel` names the y axis, `yFormat` writes its values; with `y2Label`,
 * series with `right: true` go on a second axis.
 */
export function timeChart(box, { series, yLabel, y2Label, yRange, yFormat }) {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.at)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const data = [times.map((t) => t / 1000)];
  for (const s of series) {
    const ys = new Array(times.length).fill(null);
    for (const p of s.points) ys[index.get(p.at)] = p.y;
    data.push(ys);
  }
  const width = () => Math.max(280, box.clientWidth || 600);
  const opts = {
    width: width(),
    height: 260,
    scales: { x: { time: true }, y: yRange ? { range: yRange } : {}, ...(y2Label ? { y2: {} } : {}) },
    axes: [
      {},
      { label: yLabel, ...(yFormat ? { values: (_u, vals) => vals.map(yFormat), size: 70 } : {}) },
      ...(y2Label ? [{ scale: 'y2', side: 1, label: y2Label, grid: { show: false } }] : []),
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: color(i),
        width: 1.5,
        spanGaps: true,
        points: { show: s.points.length < 60 },
        ...(s.right ? { scale: 'y2' } : {}),
      })),
    ],
  };
  const chart = new window.uPlot(opts, data, box);
  const resize = () => chart.setSize({ width: width(), height: 260 });
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    chart.destroy();
  };
}

/** A mean with a ±2 sd range on [0, 1], as a small bar (the arms' uncertainty). */
export function rangeBar(mean, sd) {
  const lo = Math.max(0, mean - 2 * sd);
  const hi = Math.min(1, mean + 2 * sd);
  return el(
    'div',
    { class: 'bar', title: `mean ${mean.toFixed(3)}, ±2 sd ${lo.toFixed(3)}-${hi.toFixed(3)}` },
    el('div', { class: 'range', style: `left:${lo * 100}%;width:${Math.max(0.5, (hi - lo) * 100)}%` }),
    el('div', { class: 'mean', style: `left:${mean * 100}%` }),
  );
}

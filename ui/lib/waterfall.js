// Spans as a waterfall: one row per span, indented under its parent, a bar from its start to its end.
import { el, fmtMs, svg } from './dom.js';

export function waterfall(spans) {
  if (spans.length === 0) return el('p', { class: 'muted' }, 'no spans stored for this generation');
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId))
      children.set(s.parentSpanId, [...(children.get(s.parentSpanId) || []), s]);
    else roots.push(s);
  }
  const rows = [];
  const visit = (s, depth) => {
    rows.push({ s, depth });
    for (const c of (children.get(s.spanId) || []).sort((a, b) => a.startTime - b.startTime))
      visit(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startTime - b.startTime)) visit(r, 0);
  const t0 = Math.min(...spans.map((s) => s.startTime));
  const t1 = Math.max(...spans.map((s) => s.endTime));
  const total = Math.max(1, t1 - t0);
  const labelW = 330;
  const barW = 560;
  const rowH = 18;
  const label = (s) => {
    const a = s.attributes || {};
    const what = a['weavergen.language'] || a['weavergen.arm.pack.name'] || '';
    const q = typeof a['weavergen.quality.q'] === 'number' ? ` q ${a['weavergen.quality.q'].toFixed(3)}` : '';
    return `${s.name}${what ? ` ${what}` : ''}${q}`;
  };
  const g = rows.map(({ s, depth }, i) => {
    const x = labelW + ((s.startTime - t0) / total) * barW;
    const w = Math.max(1.5, ((s.endTime - s.startTime) / total) * barW);
    const failed = s.status && s.status.code === 2;
    return svg(
      'g',
      {},
      svg(
        'title',
        {},
        `${s.name} · ${fmtMs(s.durationMs)}${failed && s.status.message ? ` · ${s.status.message}` : ''}`,
      ),
      svg('text', { x: 4 + depth * 12, y: i * rowH + 13 }, label(s).slice(0, 48 - depth * 2)),
      svg('rect', {
        x,
        y: i * rowH + 4,
        width: w,
        height: rowH - 8,
        rx: 2,
        fill: failed ? '#d92d20' : '#528bff',
      }),
      svg('text', { x: Math.min(x + w + 4, labelW + barW - 40), y: i * rowH + 13 }, fmtMs(s.durationMs)),
    );
  });
  return el(
    'div',
    { class: 'waterfall-box' },
    el(
      'p',
      { class: 'muted' },
      `${spans.length} spans over ${fmtMs(total)}; hover a bar for its name and status`,
    ),
    svg(
      'svg',
      {
        class: 'waterfall',
        width: '100%',
        viewBox: `0 0 ${labelW + barW + 10} ${rows.length * rowH + 4}`,
        role: 'img',
        'aria-label': 'spans waterfall',
      },
      g,
    ),
  );
}

// DOM helpers. Every value from the node goes into the page as text, never as HTML: registry
// briefs, error messages and peers' data are untrusted.

/** An element with attributes (on* are listeners) and children (nodes or text). */
export function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity))
    if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

/** An SVG element (the waterfall and the bars are drawn with these). */
export function svg(tag, attrs, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children.flat())
    if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

export const fmtQ = (q) => (typeof q === 'number' && Number.isFinite(q) ? q.toFixed(3) : '-');
export const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString() : '-');
export const fmtMs = (ms) =>
  typeof ms !== 'number'
    ? '-'
    : ms < 1000
      ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
      : `${(ms / 1000).toFixed(1)} s`;
export const fmtUsd = (x) =>
  typeof x !== 'number' ? '-' : x === 0 ? '$0' : x < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(4)}`;
export const duration = (r) => (r.finishedAt && r.startedAt ? fmtMs(r.finishedAt - r.startedAt) : '-');
export const qClass = (q) => (q >= 0.9 ? 'good' : q >= 0.6 ? 'fair' : 'poor');
export const chip = (text, cls, title) => el('span', { class: `chip ${cls || ''}`, title }, text);
export const status = (s) => el('span', { class: `status ${s}` }, s);
export const params = (p) =>
  Object.keys(p || {})
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join(' ') || '(no params)';
export const armLabel = (a) => (a ? `${a.packName} ${params(a.params)} @${a.model}` : '-');

/**
 * A table from headers and rows of cells; `empty` when there is no row. Each cell carries its
 * column's name, which a narrow window shows before it when rows are stacked (style.css).
 */
export function table(headers, rows, empty = 'nothing yet') {
  for (const row of rows)
    [...row.children].forEach((td, i) => {
      if (headers[i]) td.setAttribute('data-label', headers[i]);
    });
  return el(
    'table',
    { class: 'stacking' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', {}, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.length ? rows : el('tr', {}, el('td', { colspan: headers.length, class: 'muted' }, empty)),
    ),
  );
}

export const section = (title, ...children) => el('section', {}, el('h2', {}, title), ...children);
export const errorBox = (e) => el('p', { class: 'error', role: 'alert' }, String(e?.message || e));

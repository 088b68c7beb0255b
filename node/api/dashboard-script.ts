/**
 * The dashboard's script: plain browser JavaScript, no build step, no external assets. Every value
 * from the node goes into the page as text (textContent), never as HTML: registry briefs and error
 * messages are untrusted.
 */
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
const $ = (id) => document.getElementById(id);
const tokenInput = $('token');
tokenInput.value = sessionStorage.getItem('weavergen.token') || '';
tokenInput.addEventListener('change', () => { sessionStorage.setItem('weavergen.token', tokenInput.value.trim()); refresh(); });

function headers(json) {
  const h = {};
  const t = tokenInput.value.trim();
  if (t) h.authorization = 'Bearer ' + t;
  if (json) h['content-type'] = 'application/json';
  return h;
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(path, init) {
  const res = await fetch(path, init || { headers: headers(false) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((body.error && body.error.message) || 'HTTP ' + res.status);
  return body;
}

const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
const fmtQ = (q) => (typeof q === 'number' ? q.toFixed(3) : '-');
const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString() : '-');
const fmtDuration = (r) => (r.finishedAt && r.startedAt ? ((r.finishedAt - r.startedAt) / 1000).toFixed(1) + ' s' : '-');
const qClass = (q) => (q >= 0.9 ? 'good' : q >= 0.6 ? 'fair' : 'poor');

function setError(box, e) {
  $(box).textContent = e ? String(e.message || e) : '';
}

async function loadHealth() {
  try {
    const h = await api('/v1/health');
    const rejected = Object.entries(h.rejected || {}).map(([k, v]) => k + ' ' + v).join(', ') || 'none';
    $('health').textContent = h.status + ' · v' + h.version + ' · up ' + Math.round(h.uptimeMs / 1000) + ' s · in flight ' + h.generations.inFlight + ' · spans ' + h.spans.exported + ' · rejected: ' + rejected;
    setError('health-error');
  } catch (e) { setError('health-error', e); }
}

async function loadSharing() {
  try {
    const p = await api('/v1/peers');
    const share = p.share || {};
    $('sharing').textContent = 'Network sharing: ' + (share.description || share.mode || 'unknown') + (p.peerId ? '' : ' (network off)');
  } catch (e) { $('sharing').textContent = ''; }
}

function qualityCells(r) {
  if (!r.languages || r.languages.length === 0) return el('span', { class: 'muted' }, r.request.languages.join(', '));
  return r.languages.map((l) => el('span', { class: 'chip ' + (l.winner ? qClass(l.winner.q) : 'poor'), title: l.reason || '' }, l.language + ' ' + fmtQ(l.winner && l.winner.q)));
}

async function loadGenerations() {
  try {
    const { generations } = await api('/v1/generations?limit=25');
    const rows = generations.map((r) =>
      el('tr', { onclick: () => showGeneration(r.id), class: 'clickable' },
        el('td', { class: 'mono' }, r.id),
        el('td', {}, el('span', { class: 'status ' + r.status }, r.status)),
        el('td', {}, fmtTime(r.createdAt)),
        el('td', {}, fmtDuration(r)),
        el('td', {}, qualityCells(r))));
    $('generations').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'no generations yet'))]));
    setError('generations-error');
  } catch (e) { setError('generations-error', e); }
}

async function showGeneration(id) {
  const box = $('detail');
  box.replaceChildren(el('p', { class: 'muted' }, 'loading ' + id + '...'));
  try {
    const [r, d] = await Promise.all([api('/v1/generations/' + encodeURIComponent(id)), api('/v1/generations/' + encodeURIComponent(id) + '/decisions')]);
    box.replaceChildren(
      el('h3', {}, 'generation ', el('span', { class: 'mono' }, r.id), ' ', el('span', { class: 'status ' + r.status }, r.status)),
      el('p', {}, 'registry ', el('span', { class: 'mono' }, r.request.registry), r.traceId ? ' · trace ' : '', r.traceId ? el('span', { class: 'mono' }, r.traceId) : '', r.error ? ' · error: ' + r.error : ''),
      el('table', {},
        el('thead', {}, el('tr', {}, ['language', 'q', 'winner', 'candidates', 'agreement', 'reason'].map((h) => el('th', {}, h)))),
        el('tbody', {}, r.languages.map((l) => el('tr', {},
          el('td', {}, l.language),
          el('td', {}, el('span', { class: 'chip ' + (l.winner ? qClass(l.winner.q) : 'poor') }, fmtQ(l.winner && l.winner.q))),
          el('td', {}, l.winner ? l.winner.arm.packName + ' · ' + l.winner.summary : '-'),
          el('td', {}, String(l.candidates.length)),
          el('td', {}, fmtQ(l.agreement)),
          el('td', {}, l.reason))))),
      el('h4', {}, 'decisions'),
      el('ol', {}, d.decisions.map((x) => el('li', {}, el('b', {}, x.step), ': ', text(x.choice), ' — ', x.reason))));
  } catch (e) { box.replaceChildren(el('p', { class: 'error' }, String(e.message || e))); }
}

async function loadInsights() {
  try {
    const i = await api('/v1/insights');
    const rows = i.contexts.map((c) => el('tr', {},
      el('td', { class: 'mono' }, c.contextKey),
      el('td', {}, String(c.generations)),
      el('td', {}, fmtQ(c.meanQ)),
      el('td', {}, c.best[0] ? c.best[0].packName + ' (' + c.best[0].model + ') q ' + fmtQ(c.best[0].meanQ) + ', n ' + c.best[0].n : '-')));
    $('contexts').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'nothing learned yet'))]));
    const rules = (i.rules && i.rules.top) || [];
    $('rules').replaceChildren(...rules.map((r) => el('li', {}, r.text)));
    $('insights-summary').textContent = i.outcomes + ' outcomes · success at q ≥ ' + i.successThreshold;
    setError('insights-error');
  } catch (e) { setError('insights-error', e); }
}

function logLine(text, cls) {
  const log = $('progress');
  log.append(el('div', { class: cls || '' }, new Date().toLocaleTimeString() + '  ' + text));
  log.scrollTop = log.scrollHeight;
}

async function follow(id) {
  logLine('following ' + id);
  const res = await fetch('/v1/generations/' + encodeURIComponent(id) + '/events', { headers: headers(false) });
  if (!res.ok || !res.body) {
    const body = await res.json().catch(() => ({}));
    logLine((body.error && body.error.message) || 'HTTP ' + res.status, 'error');
    return;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.replace(/^data: ?/, '')).join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
  loadGenerations();
  loadInsights();
}

function onEvent(e) {
  if (e.type === 'status') logLine('status ' + e.status);
  else if (e.type === 'progress') logLine(e.language + ': ' + e.phase + (e.detail ? ' (' + e.detail + ')' : ''));
  else if (e.type === 'result') {
    logLine('result: ' + e.record.status + ' · ' + e.record.languages.map((l) => l.language + ' q ' + fmtQ(l.winner && l.winner.q)).join(', '), e.record.status === 'succeeded' ? 'good' : 'error');
    showGeneration(e.record.id);
  }
}

$('generate').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  setError('generate-error');
  const languages = [...document.querySelectorAll('input[name=lang]:checked')].map((i) => i.value);
  const body = { registry: $('registry').value.trim(), languages };
  const out = $('out').value.trim();
  if (out) body.out = out;
  try {
    const r = await api('/v1/generate', { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
    loadGenerations();
    follow(r.id).catch((e) => logLine(String(e.message || e), 'error'));
  } catch (e) { setError('generate-error', e); }
});

function refresh() { loadHealth(); loadGenerations(); loadInsights(); loadSharing(); }
refresh();
setInterval(() => { loadHealth(); loadGenerations(); }, 5000);
setInterval(() => { loadInsights(); loadSharing(); }, 15000);
`;

// One generation: its winners and every candidate with the evidence behind its score, the
// reasoning chain as a diagram, the spans as a waterfall, the files it wrote, and for a failure
// the located errors with what to do; and the team's shared review of it (fields and comments),
// kept current, like the generation itself while it runs, by the tenant's live stream.
import { annotationSection } from '../lib/annotation.js';
import { api, download, headers } from '../lib/api.js';
import { contextWords } from '../lib/context.js';
import {
  armLabel,
  chip,
  duration,
  el,
  errorBox,
  fmtQ,
  fmtTime,
  qClass,
  section,
  status,
  table,
} from '../lib/dom.js';
import { follow, liveBadge } from '../lib/live.js';
import { drawMermaid } from '../lib/mermaid.js';
import { waterfall } from '../lib/waterfall.js';

const COMPONENTS = ['compiled', 'completeness', 'naming', 'documentation', 'deprecation', 'warnings'];
const FINAL = ['succeeded', 'failed', 'cancelled'];
const enc = encodeURIComponent;

/** What to do about a failed generation, by its error code (the message says what went wrong). */
const ADVICE = {
  GENERATION_REGISTRY_INVALID:
    'Fix the registry errors listed below (or run `weavergen registry check <folder>`), or start the generation again with allowErrors.',
  GENERATION_REGISTRY_NOT_FOUND: 'Give the registry folder as a path on the machine the node runs on.',
};
const adviceFor = (code) =>
  ADVICE[code] || 'Read the message above; `weavergen explain <id>` prints the decisions that led here.';

const located = (d) => `${d.file}:${d.line}:${d.column}`;

function components(attrs) {
  if (!attrs) return el('span', { class: 'muted' }, '-');
  return COMPONENTS.filter((c) => typeof attrs[`weavergen.quality.${c}`] === 'number').map((c) =>
    chip(`${c} ${fmtQ(attrs[`weavergen.quality.${c}`])}`, qClass(attrs[`weavergen.quality.${c}`])),
  );
}

/** A candidate's validation as its span recorded it: the toolchain's status and its error and warning counts. */
function validationOf(attrs) {
  if (!attrs) return '-';
  if (attrs['weavergen.validation.skipped']) return 'not run (validate: false)';
  const status = attrs['weavergen.validation.status'];
  if (status === undefined) return '-';
  const errors = attrs['weavergen.validation.errors'];
  const warnings = attrs['weavergen.validation.warnings'];
  const counts = typeof errors === 'number' ? `: ${errors} errors, ${warnings ?? 0} warnings` : '';
  return el('span', { class: status === 'passed' ? 'good' : 'error' }, `${status}${counts}`);
}

function languageSection(l, spanAttrs) {
  const w = l.winner;
  const diag = w ? w.validation.diagnostics : [];
  return section(
    `${l.language}: ${w ? `q ${fmtQ(w.q)}` : 'no winner'}`,
    el(
      'p',
      { class: 'muted' },
      'context: ',
      el('span', { class: 'mono' }, l.context),
      ` (${contextWords(l.context)})`,
    ),
    w
      ? el(
          'div',
          {},
          el('p', {}, 'winner: ', el('b', {}, armLabel(w.arm)), ` · ${w.summary}`),
          el(
            'p',
            {},
            components(
              spanAttrs.get(w.spanId) ||
                Object.fromEntries(
                  Object.entries(w.components || {}).map(([k, v]) => [`weavergen.quality.${k}`, v]),
                ),
            ),
          ),
          el(
            'p',
            {},
            `validation: ${w.validation.status} · ${w.validation.summary} · symbols ${w.symbols.found}/${w.symbols.expected}`,
          ),
        )
      : el('p', { class: 'error' }, l.reason),
    diag.length
      ? el(
          'div',
          {},
          el('h3', {}, 'Validation diagnostics'),
          table(
            ['where', 'severity', 'message'],
            diag
              .slice(0, 200)
              .map((d) =>
                el(
                  'tr',
                  {},
                  el('td', { class: 'mono' }, located(d)),
                  el('td', {}, d.severity),
                  el('td', {}, d.message),
                ),
              ),
          ),
        )
      : '',
    el(
      'p',
      {},
      `why: ${l.reason}`,
      l.rounds ? ` · reasoning rounds ${l.rounds}` : '',
      ` · agreement ${fmtQ(l.agreement)}`,
    ),
    el('h3', {}, `Candidates (${l.candidates.length})`),
    table(
      ['arm', 'attempt', 'status', 'q', 'predicted', 'components', 'validation', 'summary'],
      l.candidates.map((c) =>
        el(
          'tr',
          {},
          el(
            'td',
            {},
            armLabel(c.arm),
            w && c.spanId === w.spanId ? chip('winner', 'good') : '',
            c.cached ? chip('cached') : '',
          ),
          el('td', {}, c.attempt || 'first'),
          el('td', {}, c.status),
          el('td', {}, chip(fmtQ(c.q), qClass(c.q))),
          el(
            'td',
            {},
            c.predicted === undefined ? '-' : `${fmtQ(c.predicted)} (${c.predictedFrom} outcomes)`,
          ),
          el('td', {}, components(spanAttrs.get(c.spanId))),
          el('td', { class: 'validation' }, validationOf(spanAttrs.get(c.spanId))),
          el('td', {}, c.error ? el('span', { class: 'error' }, c.error) : c.summary),
        ),
      ),
    ),
  );
}

function filesSection(id, files) {
  const viewer = el('pre', { class: 'file', id: 'file-view', hidden: true });
  const rows = files.map((f) =>
    el(
      'tr',
      {},
      el('td', { class: 'mono' }, f.path),
      el('td', {}, String(f.bytes)),
      el(
        'td',
        {},
        el(
          'button',
          {
            type: 'button',
            onclick: async () => {
              try {
                const res = await fetch(f.url, { headers: headers(false) });
                viewer.textContent = res.ok ? await res.text() : `HTTP ${res.status}`;
              } catch (e) {
                viewer.textContent = String(e.message || e);
              }
              viewer.hidden = false;
            },
          },
          'view',
        ),
        ' ',
        el(
          'button',
          {
            type: 'button',
            onclick: () => download(f.url, f.path.split('/').pop()).catch((e) => alert(e.message)),
          },
          'download',
        ),
      ),
    ),
  );
  return section(
    `Files (${files.length})`,
    table(['path', 'bytes', ''], rows, `no files written by ${id}`),
    viewer,
  );
}

/** The record and what is drawn from it: its decision chain, its spans and its files. */
async function readRecord(id) {
  const r = await api(`/v1/generations/${enc(id)}`);
  const [chain, spans, files] = await Promise.all([
    api(`/v1/generations/${enc(id)}/chain`).catch((e) => ({ error: e })),
    r.traceId
      ? api(`/v1/traces/${enc(r.traceId)}`)
          .then((t) => t.spans)
          .catch(() => [])
      : Promise.resolve([]),
    api(`/v1/generations/${enc(id)}/files`)
      .then((f) => f.files)
      .catch(() => []),
  ]);
  return { r, chain, spans, files };
}

const drawHead = (r) => [
  el('h1', {}, 'Generation ', el('span', { class: 'mono' }, r.id), ' ', status(r.status)),
  el(
    'p',
    { class: 'muted' },
    `registry ${r.request.registry} · languages ${r.request.languages.join(', ')} · created ${fmtTime(r.createdAt)} · took ${duration(r)}`,
    r.out ? ` · files in ${r.out}` : '',
    r.cachedFrom ? ' · served from the cache of ' : '',
    r.cachedFrom ? el('a', { href: `#/generations/${enc(r.cachedFrom)}` }, r.cachedFrom) : '',
  ),
];

function drawBody({ r, chain, spans, files }) {
  const spanAttrs = new Map(spans.map((s) => [s.spanId, s.attributes]));
  const diagram = el(
    'div',
    { class: 'mermaid-box', id: 'chain-diagram' },
    el('p', { class: 'muted' }, 'drawing the decision chain…'),
  );
  const nodes = [
    r.error
      ? section(
          'What went wrong',
          el('p', { class: 'error', id: 'failure' }, r.errorCode ? `[${r.errorCode}] ` : '', r.error),
          el('p', {}, 'What to do: ', adviceFor(r.errorCode)),
        )
      : '',
    r.check?.diagnostics.length
      ? section(
          `Registry check: ${r.check.errors} errors, ${r.check.warnings} warnings${r.check.allowed ? ' (generated anyway, as asked)' : ''}`,
          table(
            ['where', 'severity', 'message', 'fix'],
            r.check.diagnostics.map((d) =>
              el(
                'tr',
                {},
                el('td', { class: 'mono' }, located(d.location)),
                el('td', {}, d.severity),
                el('td', {}, `[${d.code}] ${d.message}`),
                el('td', {}, d.hint),
              ),
            ),
          ),
        )
      : '',
    ...r.languages.map((l) => languageSection(l, spanAttrs)),
    section(
      'Reasoning chain',
      chain.error ? errorBox(chain.error) : diagram,
      chain.text
        ? el('details', {}, el('summary', {}, 'as text'), el('pre', { class: 'file' }, chain.text))
        : '',
    ),
    section('Spans', waterfall(spans)),
    filesSection(r.id, files),
  ];
  const drawn = () => {
    if (!chain.error)
      drawMermaid(diagram, chain.mermaid).catch((e) =>
        diagram.replaceChildren(errorBox(e), el('pre', { class: 'file' }, chain.mermaid)),
      );
  };
  return { nodes, drawn };
}

export async function render(main, id) {
  let data = await readRecord(id);
  const live = el('p', { class: 'muted', id: 'live', hidden: true });
  const head = el('div', { id: 'generation-head' });
  const body = el('div', { id: 'generation-body' });
  const discussion = annotationSection(id);
  const badge = liveBadge();
  const liveState = badge.node;
  discussion.node.querySelector('h2').append(' ', liveState);
  const draw = () => {
    const running = !FINAL.includes(data.r.status);
    live.hidden = !running;
    if (running && !live.textContent) live.textContent = `${data.r.status}: following it live…`;
    head.replaceChildren(...drawHead(data.r));
    const { nodes, drawn } = drawBody(data);
    body.replaceChildren(...nodes);
    drawn();
  };
  main.append(live, head, discussion.node, body);
  draw();
  discussion.refresh();

  // the record read again (its result came, or the stream started over); one read at a time
  let reading;
  let again = false;
  const reread = () => {
    if (reading) {
      again = true;
      return;
    }
    reading = readRecord(id)
      .then((d) => {
        data = d;
        draw();
      })
      .catch(() => {})
      .finally(() => {
        reading = undefined;
        if (again) {
          again = false;
          reread();
        }
      });
  };
  const running = () => !FINAL.includes(data.r.status);

  // one stream for the page: others' comments and fields, and this generation's progress and end
  const stream = follow({
    onEvent: (type, e) => {
      if (type === 'annotation') return discussion.apply(e);
      if (e.id !== id) return;
      if (type === 'progress')
        live.textContent = `running: ${e.language} ${e.phase}${e.detail ? ` (${e.detail})` : ''}`;
      else if (type === 'result' || (type === 'generation' && FINAL.includes(e.status))) reread();
      else if (type === 'generation') live.textContent = `${e.status}: following it live…`;
    },
    onOpen: (ready) => {
      if (ready.resumed) return;
      discussion.refresh();
      if (running()) reread();
    },
    onReload: () => {
      discussion.refresh();
      if (running()) reread();
    },
    onState: badge.onState,
  });
  return () => stream.stop();
}

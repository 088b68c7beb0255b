// Generations: start one (followed live over server-sent events), and the list with filters.
import { api, events, post } from '../lib/api.js';
import { chip, duration, el, errorBox, fmtQ, fmtTime, qClass, section, status, table } from '../lib/dom.js';

const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'];
const STATUSES = ['succeeded', 'failed', 'running', 'queued', 'cancelled'];

export async function render(main) {
  const progress = el('div', { class: 'log', id: 'progress', 'aria-live': 'polite' });
  const formError = el('span', { class: 'error', id: 'generate-error', role: 'alert' });
  const registry = el('input', {
    type: 'text',
    id: 'registry',
    required: true,
    placeholder: 'folder on the node machine, e.g. /path/to/model',
  });
  const out = el('input', {
    type: 'text',
    id: 'out',
    placeholder: 'optional folder; default <home>/out/<id>',
  });
  const boxes = LANGUAGES.map((l) =>
    el('input', { type: 'checkbox', name: 'lang', value: l, checked: l === 'typescript' }),
  );
  const form = el(
    'form',
    { class: 'grid-form', id: 'generate' },
    el('label', { for: 'registry' }, 'Registry folder'),
    registry,
    el('span', {}, 'Languages'),
    el(
      'span',
      {},
      boxes.map((b) => el('label', {}, b, ` ${b.value} `)),
    ),
    el('label', { for: 'out' }, 'Output folder'),
    out,
    el('span', {}),
    el('span', {}, el('button', { type: 'submit' }, 'Generate'), ' ', formError),
  );

  const filterStatus = el(
    'select',
    { id: 'filter-status', 'aria-label': 'status' },
    el('option', { value: '' }, 'any status'),
    STATUSES.map((s) => el('option', { value: s }, s)),
  );
  const filterLanguage = el(
    'select',
    { id: 'filter-language', 'aria-label': 'language' },
    el('option', { value: '' }, 'any language'),
    LANGUAGES.map((l) => el('option', { value: l }, l)),
  );
  const filterText = el('input', {
    type: 'search',
    id: 'filter-text',
    placeholder: 'id or registry contains…',
  });
  const list = el('div', { id: 'generations' });
  let all = [];

  const log = (text, cls) => {
    progress.append(el('div', { class: cls || '' }, `${new Date().toLocaleTimeString()}  ${text}`));
    progress.scrollTop = progress.scrollHeight;
  };

  function draw() {
    const s = filterStatus.value;
    const l = filterLanguage.value;
    const t = filterText.value.trim().toLowerCase();
    const shown = all.filter(
      (r) =>
        (!s || r.status === s) &&
        (!l || r.request.languages.includes(l)) &&
        (!t || r.id.toLowerCase().includes(t) || r.request.registry.toLowerCase().includes(t)),
    );
    list.replaceChildren(
      table(
        ['id', 'status', 'created', 'duration', 'registry', 'quality per language'],
        shown.map((r) =>
          el(
            'tr',
            {
              class: 'clickable',
              onclick: () => (location.hash = `#/generations/${encodeURIComponent(r.id)}`),
            },
            el('td', { class: 'mono' }, el('a', { href: `#/generations/${encodeURIComponent(r.id)}` }, r.id)),
            el(
              'td',
              {},
              status(r.status),
              r.cachedFrom ? el('span', { class: 'muted' }, ' (cached)') : '',
              r.origin === 'prediction'
                ? el(
                    'span',
                    { class: 'muted', title: 'run ahead by the node after its registry changed' },
                    ' (predicted)',
                  )
                : '',
            ),
            el('td', {}, fmtTime(r.createdAt)),
            el('td', {}, duration(r)),
            el('td', { class: 'mono' }, r.request.registry),
            el(
              'td',
              {},
              r.languages.length
                ? r.languages.map((x) =>
                    chip(
                      `${x.language} ${fmtQ(x.winner?.q)}`,
                      x.winner ? qClass(x.winner.q) : 'poor',
                      x.reason,
                    ),
                  )
                : el('span', { class: 'muted' }, r.error || r.request.languages.join(', ')),
            ),
          ),
        ),
        all.length
          ? 'no generation matches the filters'
          : 'no generations yet: start one above, or run `weavergen generate`',
      ),
    );
  }

  async function load() {
    try {
      all = (await api('/v1/generations?limit=200')).generations;
      draw();
    } catch (e) {
      list.replaceChildren(errorBox(e));
    }
  }

  const controller = new AbortController();
  async function follow(id) {
    log(`following ${id}`);
    await events(
      `/v1/generations/${encodeURIComponent(id)}/events`,
      (e) => {
        if (e.type === 'status') log(`status ${e.status}`);
        else if (e.type === 'progress') log(`${e.language}: ${e.phase}${e.detail ? ` (${e.detail})` : ''}`);
        else if (e.type === 'result') {
          const r = e.record;
          log(
            `result: ${r.status} · ${r.languages.map((x) => `${x.language} q ${fmtQ(x.winner?.q)}`).join(', ') || r.error || ''}`,
            r.status === 'succeeded' ? 'good' : 'error',
          );
          progress.append(
            el(
              'div',
              {},
              el(
                'a',
                { href: `#/generations/${encodeURIComponent(r.id)}`, id: 'open-result' },
                `open ${r.id}`,
              ),
            ),
          );
        }
      },
      controller.signal,
    );
    load();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError.textContent = '';
    const body = {
      registry: registry.value.trim(),
      languages: boxes.filter((b) => b.checked).map((b) => b.value),
    };
    if (out.value.trim()) body.out = out.value.trim();
    try {
      const r = await post('/v1/generate', body);
      load();
      follow(r.id).catch((e) => e.name !== 'AbortError' && log(String(e.message || e), 'error'));
    } catch (e) {
      formError.textContent = String(e.message || e);
    }
  });
  for (const f of [filterStatus, filterLanguage]) f.addEventListener('change', draw);
  filterText.addEventListener('input', draw);

  main.append(
    el('h1', {}, 'Generations'),
    section('Start a generation', form, el('h3', {}, 'Live progress'), progress),
    section('Generations', el('div', { class: 'filters' }, filterStatus, filterLanguage, filterText), list),
  );
  await load();
  const timer = setInterval(load, 5000);
  window.addEventListener('weavergen:token', load);
  return () => {
    window.removeEventListener('weavergen:token', load);
    clearInterval(timer);
    controller.abort();
  };
}

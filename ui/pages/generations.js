// Generations: start one (followed live over server-sent events), and the list with filters,
// kept current by the tenant's live stream (GET /v1/events): whoever starts a generation, it
// appears as queued, shows its progress and ends with its result, without a reload.
import { api, events, post } from '../lib/api.js';
import { chip, duration, el, errorBox, fmtQ, fmtTime, qClass, section, status, table } from '../lib/dom.js';
import { follow as followLive, liveBadge } from '../lib/live.js';
import { registryCheckForm } from '../lib/registry-check.js';

const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'];
const STATUSES = ['succeeded', 'failed', 'running', 'queued', 'cancelled'];
/** how far along a status is: a late answer never takes a generation back */
const RANK = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };
const enc = encodeURIComponent;

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
  const badge = liveBadge();
  const liveState = badge.node;
  let all = [];
  /** the last progress step seen of each generation still running */
  const steps = new Map();

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
              'data-id': r.id,
              'data-status': r.status,
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
              steps.has(r.id) && !(RANK[r.status] >= 2)
                ? el('div', { class: 'muted live-step' }, steps.get(r.id))
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

  let loads = 0;
  async function load() {
    const mine = ++loads;
    try {
      const fresh = (await api('/v1/generations?limit=200')).generations;
      if (mine !== loads) return;
      // what the stream said meanwhile is not taken back by a read made before it: a status
      // further along stays, and a generation newer than every one read stays listed
      const known = new Map(all.map((r) => [r.id, r]));
      const newest = fresh.reduce((m, r) => Math.max(m, r.createdAt || 0), 0);
      const ids = new Set(fresh.map((r) => r.id));
      all = [
        ...all.filter((r) => !ids.has(r.id) && r.createdAt > newest),
        ...fresh.map((r) => {
          const seen = known.get(r.id);
          return seen && RANK[seen.status] > RANK[r.status] ? { ...r, status: seen.status } : r;
        }),
      ];
      draw();
    } catch (e) {
      list.replaceChildren(errorBox(e));
    }
  }

  // one generation's record, read again (a new one, or one whose result came): placed by its time
  const reading = new Map();
  function refresh(id) {
    if (reading.has(id)) {
      reading.set(id, true);
      return;
    }
    reading.set(id, false);
    api(`/v1/generations/${enc(id)}`)
      .then((r) => {
        const i = all.findIndex((x) => x.id === id);
        if (i >= 0) {
          if (RANK[all[i].status] > RANK[r.status]) r.status = all[i].status;
          all[i] = r;
        } else {
          all.push(r);
          all.sort((a, b) => b.createdAt - a.createdAt);
        }
        draw();
      })
      .catch(() => load())
      .finally(() => {
        const again = reading.get(id);
        reading.delete(id);
        if (again) refresh(id);
      });
  }

  function onLive(type, e) {
    if (type !== 'generation' && type !== 'progress' && type !== 'result') return;
    const r = all.find((x) => x.id === e.id);
    if (type === 'progress') steps.set(e.id, `${e.language}: ${e.phase}${e.detail ? ` (${e.detail})` : ''}`);
    if (type === 'result') steps.delete(e.id);
    if (!r) return refresh(e.id);
    if (type === 'generation' && RANK[e.status] >= RANK[r.status]) r.status = e.status;
    if (type === 'progress' && r.status === 'queued') r.status = 'running';
    // the result's record has the winners, their q and the times
    if (type === 'result' || (type === 'generation' && RANK[e.status] >= 2)) refresh(e.id);
    draw();
  }

  // the live stream; while it is down the list is read every 5 s instead
  let poll;
  const polling = (on) => {
    if (on && !poll) poll = setInterval(load, 5000);
    if (!on && poll) poll = clearInterval(poll);
  };
  let closed = false;
  const startLive = () =>
    followLive({
      onEvent: onLive,
      // a stream that does not resume starts now: what happened before it is read (the first
      // one's read also covers the moment between the first read and the stream)
      onOpen: (ready) => {
        if (!ready.resumed) load();
      },
      onReload: () => load(),
      onState: (s, why) => {
        polling(s !== 'live');
        badge.onState(s, why);
      },
    });

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
    section(
      'Check a registry',
      el('p', { class: 'muted' }, 'its errors and warnings, each where it is, without generating'),
      registryCheckForm(),
    ),
    section(
      'Generations',
      el('div', { class: 'filters' }, filterStatus, filterLanguage, filterText, liveState),
      list,
    ),
  );
  await load();
  let live = startLive();
  // another token may be another tenant's: its list, and its stream from the start
  const retoken = () => {
    live.stop();
    steps.clear();
    all = [];
    load().then(() => {
      if (!closed) live = startLive();
    });
  };
  window.addEventListener('weavergen:token', retoken);
  return () => {
    window.removeEventListener('weavergen:token', retoken);
    closed = true;
    live.stop();
    polling(false);
    controller.abort();
  };
}

// The network and the pattern marketplace: this node, its peers with their scores, what it has
// received and refused; packs with their local and network ratings, to install and to rate.
import { api, post } from '../lib/api.js';
import { timeChart } from '../lib/charts.js';
import { el, errorBox, fmtQ, fmtTime, section, table } from '../lib/dom.js';

const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'];
const short = (id) => (id && id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id || '-');
const pairs = (o) =>
  Object.entries(o || {})
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v : JSON.stringify(v)}`)
    .join(', ') || 'none';

/** One row of the peers table, from a PeerSummary of GET /v1/peers (node/network/index.ts). */
function peerRow(x) {
  const num = (v, digits) => (typeof v === 'number' ? v.toFixed(digits) : '-');
  return el(
    'tr',
    {},
    el('td', { class: 'mono', title: x.id }, short(x.id)),
    el('td', {}, x.connected ? 'yes' : 'no'),
    el('td', {}, num(x.score, 2)),
    el('td', {}, num(x.trust, 3)),
    el('td', {}, String(x.digests ?? 0)),
    el('td', {}, String(x.patterns ?? 0)),
    el('td', {}, x.lastDigestEpoch === undefined ? '-' : String(x.lastDigestEpoch)),
    el('td', {}, pairs(x.rejected)),
  );
}

/** The privacy accounting of GET /v1/peers stats.privacy, worded as `weavergen peers` prints it. */
function privacyText(x) {
  const num = (v) => String(Math.round(v * 100) / 100);
  return `privacy: epsilon spent in the last 365 days ${num(x.spentLastYear)} of ${num(x.budgetPerYear)}, delta ${num(x.delta)} per entry, k ${x.k}`;
}

function peersSection(p) {
  const stats = p.stats || {};
  return section(
    'This node and its peers',
    el(
      'p',
      {},
      p.peerId
        ? ['peer id ', el('span', { class: 'mono' }, p.peerId)]
        : el(
            'span',
            { class: 'muted' },
            'the network is off on this node (network.enabled in weavergen.config.json)',
          ),
    ),
    p.addresses?.length ? el('p', { class: 'muted mono' }, p.addresses.join(' ')) : '',
    p.notice ? el('p', { class: 'muted' }, p.notice) : '',
    el('p', {}, 'sharing: ', (p.share && (p.share.description || p.share.mode)) || '-'),
    stats.privacy ? el('p', {}, privacyText(stats.privacy)) : '',
    el(
      'p',
      { class: 'muted' },
      "trust: the weight this node gives the peer's digests, earned by agreeing with what it measured itself (0 below the minimum score)",
    ),
    table(
      [
        'peer',
        'connected',
        'gossip score',
        'trust',
        'digests',
        'patterns',
        'latest digest epoch',
        'rejected',
      ],
      (p.peers || []).map(peerRow),
      'no peer yet',
    ),
    el('h3', {}, 'Counters'),
    el(
      'p',
      { class: 'mono' },
      pairs(Object.fromEntries(Object.entries(stats).filter(([, v]) => typeof v === 'number'))),
    ),
  );
}

function packRow(x, refresh) {
  const note = el('span', { class: 'muted' });
  const stars = el(
    'select',
    { 'aria-label': `stars for ${x.name}` },
    [5, 4, 3, 2, 1].map((s) => el('option', { value: s }, `${s} ★`)),
  );
  const yours = (r) => (r ? `${'★'.repeat(r.stars)} ${r.comment || ''}` : '-');
  const rated = el('td', { class: 'your-rating' }, yours(x.rating));
  const act = async (f) => {
    note.className = 'muted';
    note.textContent = '…';
    try {
      return await f();
    } catch (e) {
      note.className = 'error';
      note.textContent = String(e.message || e);
      return undefined;
    }
  };
  const install = async () => {
    const r = await act(() => post(`/v1/patterns/${encodeURIComponent(x.id)}/install`));
    if (r) refresh();
  };
  const rate = async () => {
    const r = await act(() =>
      post(`/v1/patterns/${encodeURIComponent(x.id)}/ratings`, { stars: Number(stars.value) }),
    );
    if (!r) return;
    rated.textContent = yours(r.rating);
    note.textContent = r.note || 'rated';
  };
  return el(
    'tr',
    {},
    el(
      'td',
      {},
      el('b', {}, x.name),
      ` ${x.version}`,
      el(
        'div',
        { class: 'muted', title: x.description },
        x.description.length > 220 ? `${x.description.slice(0, 220)}…` : x.description,
      ),
    ),
    el('td', {}, x.language, x.kind ? ` · ${x.kind}` : ''),
    el('td', {}, x.sources.join(', '), x.verified ? '' : el('div', { class: 'muted' }, 'not verified yet')),
    el('td', {}, x.local ? `${fmtQ(x.local.meanQ)} (n ${x.local.n})` : '-'),
    el(
      'td',
      {},
      x.network
        ? `${fmtQ(x.network.score)} (mean ${fmtQ(x.network.mean)}, n ${Math.round(x.network.n)}, ${x.network.peers} peers)`
        : '-',
    ),
    rated,
    el(
      'td',
      {},
      x.installed || x.sources.includes('builtin')
        ? ''
        : el('button', { type: 'button', onclick: install }, 'install'),
      ' ',
      stars,
      el('button', { type: 'button', onclick: rate }, 'rate'),
      ' ',
      note,
    ),
  );
}

export async function render(main) {
  const peersBox = el('div', { id: 'peers' });
  const rejBox = el('div', { class: 'chart', id: 'rejections-chart' });
  const packsBox = el('div', { id: 'packs' });
  const text = el('input', { type: 'search', id: 'packs-text', placeholder: 'search packs…' });
  const lang = el(
    'select',
    { id: 'packs-language', 'aria-label': 'language' },
    el('option', { value: '' }, 'any language'),
    LANGUAGES.map((l) => el('option', { value: l }, l)),
  );
  let chart;

  async function loadPacks() {
    try {
      const q = new URLSearchParams();
      if (text.value.trim()) q.set('q', text.value.trim());
      if (lang.value) q.set('lang', lang.value);
      const { patterns } = await api(`/v1/patterns?${q}`);
      packsBox.replaceChildren(
        table(
          ['pack', 'language', 'source', 'quality here', 'network rating', 'your rating', ''],
          patterns.map((x) => packRow(x, loadPacks)),
          'no pack matches',
        ),
      );
    } catch (e) {
      packsBox.replaceChildren(errorBox(e));
    }
  }

  async function loadPeers() {
    try {
      const [p, r] = await Promise.all([api('/v1/peers'), api('/v1/rejections')]);
      peersBox.replaceChildren(peersSection(p));
      // the node's counters over time (sampled each minute when they change), the last one now
      const samples = r.samples.map((x) => {
        const counts = {};
        for (const [k, v] of Object.entries(x.requests)) counts[`request ${k}`] = v;
        for (const [k, v] of Object.entries(x.messages)) counts[`message ${k}`] = v;
        return { at: x.at, counts };
      });
      const reasons = [...new Set(samples.flatMap((x) => Object.keys(x.counts)))].sort();
      const latest = samples[samples.length - 1].counts;
      if (chart) chart();
      chart = undefined;
      rejBox.replaceChildren();
      if (reasons.length === 0)
        rejBox.append(el('p', { class: 'muted' }, `nothing refused since ${fmtTime(samples[0].at)}`));
      else if (samples.length < 2)
        rejBox.append(el('p', {}, reasons.map((k) => `${k} ${latest[k] || 0}`).join(', ')));
      else
        chart = timeChart(rejBox, {
          yLabel: 'refused (count)',
          series: reasons.map((k) => ({
            label: k,
            points: samples.map((x) => ({ at: x.at, y: x.counts[k] || 0 })),
          })),
        });
    } catch (e) {
      peersBox.replaceChildren(errorBox(e));
    }
  }

  text.addEventListener('input', () => loadPacks());
  lang.addEventListener('change', () => loadPacks());
  main.append(
    el('h1', {}, 'Network and packs'),
    peersBox,
    section(
      'Refused requests and messages by reason',
      el(
        'p',
        { class: 'muted' },
        'counters since the node started: requests by error code, network messages by reason, sampled by the node each minute',
      ),
      rejBox,
    ),
    section(
      'Pattern packs',
      el(
        'p',
        { class: 'muted' },
        'built-in, installed and announced by peers; install fetches, verifies and test-renders a pack, and it becomes an arm',
      ),
      el('div', { class: 'filters' }, text, lang),
      packsBox,
    ),
  );
  await Promise.all([loadPeers(), loadPacks()]);
  const timer = setInterval(loadPeers, 10_000);
  return () => {
    clearInterval(timer);
    if (chart) chart();
  };
}

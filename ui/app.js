// The dashboard: a hash router over the pages, the token box and the node's health line.
import { api, token } from './lib/api.js';
import { el, errorBox } from './lib/dom.js';
import * as generation from './pages/generation.js';
import * as generations from './pages/generations.js';
import * as learning from './pages/learning.js';
import * as network from './pages/network.js';
import * as tasks from './pages/tasks.js';

const ROUTES = [
  [/^\/?$/, generations, 'generations'],
  [/^\/generations\/([^/]+)$/, generation, 'generations'],
  [/^\/learning$/, learning, 'learning'],
  [/^\/network$/, network, 'network'],
  [/^\/tasks$/, tasks, 'tasks'],
  [/^\/tasks\/([^/]+)$/, { render: tasks.renderOne }, 'tasks'],
];

const main = document.getElementById('page');
let cleanup;

async function route() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  const path = decodeURIComponent(location.hash.replace(/^#/, '') || '/');
  const found = ROUTES.find(([re]) => re.test(path));
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('active', !!found && a.dataset.page === found[2]);
  main.replaceChildren();
  if (!found) {
    main.append(
      el(
        'section',
        {},
        el('h2', {}, 'No such page'),
        el('p', {}, 'Go to ', el('a', { href: '#/' }, 'the generations'), '.'),
      ),
    );
    return;
  }
  const [re, page] = found;
  const args = re.exec(path).slice(1);
  try {
    cleanup = await page.render(main, ...args);
  } catch (e) {
    main.append(errorBox(e));
  }
}

async function health() {
  const box = document.getElementById('health');
  try {
    const [h, p] = await Promise.all([api('/v1/health'), api('/v1/peers').catch(() => undefined)]);
    const rejected = Object.entries(h.rejected || {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const share = p?.share ? ` · sharing: ${p.share.description || p.share.mode}` : '';
    const pr = h.predictions;
    const predicted = pr?.enabled ? ` · predictions used ${pr.used} of ${pr.predicted}` : '';
    box.className = 'muted';
    // a tenant other than default gets the node's state only, not the counters of every tenant
    const counters = h.generations
      ? ` · generations in flight ${h.generations.inFlight} · spans ${h.spans.exported}${predicted} · rejected requests: ${rejected || 'none'}`
      : ` · tenant ${h.tenant}`;
    box.textContent = `${h.status} · v${h.version} · up ${Math.round(h.uptimeMs / 1000)} s${counters}${share}`;
  } catch (e) {
    box.className = 'error';
    box.textContent = `the node does not answer: ${e.message || e}`;
  }
}

const input = document.getElementById('token');
input.value = token.get();
// the generations page keeps what was typed into its form: it reloads its list itself (the
// `weavergen:token` event); the other pages are drawn again with the token
input.addEventListener('change', () => {
  token.set(input.value);
  health();
  const path = decodeURIComponent(location.hash.replace(/^#/, '') || '/');
  const found = ROUTES.find(([re]) => re.test(path));
  if (found && found[1] === generations) window.dispatchEvent(new Event('weavergen:token'));
  else route();
});
window.addEventListener('hashchange', route);
route();
health();
setInterval(health, 5000);

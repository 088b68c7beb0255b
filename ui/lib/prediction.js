// Predictive pre-generation, seen and switched: whether it is on and who said so (the node's config,
// or a choice made here, which the node keeps across restarts), its counters, and a toggle that
// PUTs /v1/prediction (a developer's token).
import { api, put } from './api.js';
import { el } from './dom.js';

const COUNTERS = [
  ['predicted', 'generations run ahead'],
  ['used', 'answered a later request'],
  ['wasted', 'never used'],
  ['watched', 'registries watched'],
];

/** The panel; it reads the state itself, and shows the node's answer to each switch. */
export function predictionPanel() {
  const state = el('span', { id: 'prediction-state' }, 'reading…');
  const source = el('span', { class: 'muted', id: 'prediction-source' });
  const button = el('button', { type: 'button', id: 'prediction-toggle', disabled: true }, '…');
  const error = el('span', { class: 'error', id: 'prediction-error', role: 'alert' });
  const counters = el('div', { class: 'cards', id: 'prediction-counters' });
  let current;

  const show = (p) => {
    current = p;
    state.className = `status ${p.enabled ? 'succeeded' : 'cancelled'}`;
    state.textContent = p.enabled ? 'on' : 'off';
    state.title = p.source === 'api' ? 'switched from the dashboard or the API' : "the node's config";
    source.textContent =
      p.source === 'api' ? ' (switched here or over the API; kept across restarts)' : " (the node's config)";
    button.textContent = p.enabled ? 'Turn off' : 'Turn on';
    button.disabled = false;
    counters.replaceChildren(
      ...COUNTERS.map(([key, words]) =>
        el('div', { class: 'card', 'data-counter': key }, el('div', { class: 'big' }, String(p[key])), words),
      ),
    );
  };
  button.addEventListener('click', async () => {
    if (!current) return;
    error.textContent = '';
    button.disabled = true;
    try {
      show(await put('/v1/prediction', { enabled: !current.enabled }));
    } catch (e) {
      error.textContent = String(e.message || e);
      button.disabled = false;
    }
  });
  api('/v1/prediction')
    .then(show)
    .catch((e) => {
      state.textContent = '-';
      error.textContent = String(e.message || e);
    });

  return el(
    'div',
    { id: 'prediction' },
    el('p', {}, 'Predictive pre-generation is ', state, source, ' ', button, ' ', error),
    el(
      'p',
      { class: 'muted' },
      'when a registry you generated from changes, the node runs ahead what you are likely to ask next, so that request is answered from the cache; off, it stops watching at once, and on again it watches a registry from its next generation',
    ),
    counters,
  );
}

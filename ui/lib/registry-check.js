// Checks a registry folder on the node's machine (POST /v1/registry/check, a developer's token):
// ok, or every located finding (file:line:col, severity, code, message and its fix) in a table.
import { post } from './api.js';
import { el, table } from './dom.js';

const where = (l) => (l ? `${l.file}:${l.line}:${l.column}` : '-');

export function registryCheckForm() {
  const path = el('input', {
    type: 'text',
    id: 'check-path',
    placeholder: 'absolute path of a registry folder on the node machine',
  });
  const button = el('button', { type: 'submit' }, 'Check');
  const result = el('div', { id: 'check-result', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'grid-form', id: 'registry-check' },
    el('label', { for: 'check-path' }, 'Registry folder'),
    path,
    el('span', {}),
    el('span', {}, button),
  );

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    result.replaceChildren(el('p', { class: 'muted' }, 'checking…'));
    button.disabled = true;
    try {
      const r = await post('/v1/registry/check', { path: path.value.trim() });
      const summary = `${r.files} files, ${r.groups} groups, ${r.attributes} attributes, ${r.errors} errors, ${r.warnings} warnings`;
      result.replaceChildren(
        el(
          'p',
          { id: 'check-summary' },
          el('span', { class: `status ${r.ok ? 'succeeded' : 'failed'}` }, r.ok ? 'ok' : 'errors'),
          ` · ${summary}`,
        ),
        r.diagnostics.length
          ? table(
              ['where', 'severity', 'code', 'message', 'fix'],
              r.diagnostics.map((d) =>
                el(
                  'tr',
                  { class: d.severity === 'error' ? 'diagnostic-error' : 'diagnostic-warning' },
                  el('td', { class: 'mono' }, where(d.location)),
                  el('td', { class: d.severity === 'error' ? 'error' : '' }, d.severity),
                  el('td', { class: 'mono' }, d.code),
                  el('td', {}, d.message),
                  el('td', { class: 'muted' }, d.hint || ''),
                ),
              ),
            )
          : '',
      );
    } catch (e) {
      result.replaceChildren(el('p', { class: 'error', role: 'alert' }, String(e.message || e)));
    } finally {
      button.disabled = false;
    }
  });
  return el('div', {}, form, result);
}

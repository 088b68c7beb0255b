import { loadRegistry } from '../../../node/semconv/index.js';
import { renderTarget } from '../../../node/weaver/engine.js';
import { DEFAULT_TARGET_LIMITS } from '../../../node/weaver/index.js';
import { toWeaverRegistry } from '../../../node/weaver/resolved.js';
import { testRegistry, writeTemplates } from './helpers.js';

/** One template rendered once over the test registry (single mode, filter `.`); its output. */
export async function render(template: string, weaverYaml = ''): Promise<string> {
  const registry = toWeaverRegistry((await loadRegistry(await testRegistry(), { check: false })).registry);
  const templatesRoot = await writeTemplates('t', {
    'weaver.yaml': `${weaverYaml}templates:\n  - template: x.j2\n    filter: .\n    application_mode: single\n`,
    'x.j2': template,
  });
  const r = await renderTarget({
    registry,
    templatesRoot,
    target: 't',
    params: {},
    limits: DEFAULT_TARGET_LIMITS,
  });
  return r.files[0]?.content ?? '';
}

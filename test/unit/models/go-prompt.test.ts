import { describe, expect, it } from 'vitest';
import { type TemplateRegistry, toTemplateRegistry } from '../../../node/generation/index.js';
import { createPromptRenderer } from '../../../node/models/prompt.js';
import { findPromptPack } from '../../../node/models/prompt-packs.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { expectedSymbols } from '../../../node/validation/expected.js';
import { officialName } from '../../../node/validation/items.js';
import { goSupport } from '../../../node/validation/languages/go.js';
import { packageQualifier } from '../../../node/validation/symbols/go.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { SHOP_REGISTRY } from '../../helpers/registry.js';
import { skipNote } from '../../helpers/tools.js';

/**
 * The Go prompt pack must ask a model for the names the scorer expects (goSupport.naming, as the
 * symbol extractor qualifies them), else a candidate that follows the prompt to the letter scores
 * as misnamed: metrics as go.opentelemetry.io/otel/semconv places them, `ServerRequestDurationName`
 * in package httpconv (the scorer's `http.ServerRequestDurationName`), enum values by goName of
 * `<key>.<member>`.
 */
async function prompt(registry: string, parts = 1) {
  const model = toTemplateRegistry((await loadRegistry(registry, { check: false })).registry);
  const renderer = createPromptRenderer(await findPromptPack('go'), 'go');
  const chunk = { id: 'test', index: 1, count: 1, namespaces: [], part: 1, parts };
  return { model, renderer, user: renderer.prompt(model, chunk).user };
}

/** Every name the prompt's item list asks for, qualified as the scorer names what a package holds. */
function listedNames(user: string): { names: Set<string>; packages: Set<string> } {
  const names = new Set<string>();
  const packages = new Set<string>();
  for (const line of user.slice(user.indexOf('\nItems:\n')).split('\n')) {
    const inPackage = /^- ([A-Za-z_]\w*) in package `([a-z0-9]+)`: /.exec(line);
    if (inPackage) {
      names.add(`${packageQualifier(`package ${inPackage[2]}`)}.${inPackage[1]}`);
      packages.add(inPackage[2]);
      continue;
    }
    const item = /^ {0,2}- ([A-Za-z_]\w*)(?::| = )/.exec(line);
    if (item) names.add(item[1]);
  }
  return { names, packages };
}

function expectedNames(model: TemplateRegistry, scope: { stability: string; deprecated: string }) {
  return new Set(expectedSymbols(model, scope).map((e) => officialName(e, goSupport.naming)));
}

describe('the Go prompt pack names what the Go scorer expects', () => {
  it('examples/shop: every item under its official name, metrics in their namespace package', async () => {
    const { model, renderer, user } = await prompt(SHOP_REGISTRY);
    const { names, packages } = listedNames(user);
    expect([...names].sort()).toEqual([...expectedNames(model, renderer.scope)].sort());
    expect([...names].some((n) => n.includes('.'))).toBe(true);
    // each package a metric is listed in is a file the prompt asks for, in that package
    expect(packages.size).toBeGreaterThan(0);
    for (const pkg of packages) expect(user).toContain(`- \`${pkg}/metric.go\` (package ${pkg})`);
    expect(user).not.toMatch(/- \w+Name: metric/); // no metric left at the package root
  });

  it('a part of a split namespace asks for files of its own', async () => {
    const { user } = await prompt(SHOP_REGISTRY, 2);
    expect(user).toMatch(/- `shop_1\.go` \(package semconv\)/);
    expect(user).toMatch(/- `shopconv\/metric_1\.go` \(package shopconv\)/);
  });

  const REAL = semconvRegistry();
  it.skipIf(!REAL)(`the real registry: every item${skipNote(!REAL && SEMCONV_MISSING)}`, async () => {
    const { model, renderer, user } = await prompt(REAL as string);
    const { names } = listedNames(user);
    const expected = expectedNames(model, renderer.scope);
    expect([...expected].filter((n) => !names.has(n)).slice(0, 10)).toEqual([]);
    expect([...names].filter((n) => !expected.has(n)).slice(0, 10)).toEqual([]);
    expect(expected.size).toBeGreaterThan(2400);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Group, type LoadResult, loadRegistry } from '../../../node/semconv/index.js';
import { PRIMITIVES } from '../../../node/semconv/values.js';

/**
 * The project's own example registries (examples/). `shop` must check clean and keep exercising every
 * feature the loader supports: each test below fails when an edit drops one. `broken` must keep
 * producing each of its intended errors, where the README says they are.
 */
const SHOP = join(process.cwd(), 'examples', 'shop');
const BROKEN = join(process.cwd(), 'examples', 'broken');

let shop: Promise<LoadResult> | undefined;
const loadShop = () => {
  shop ??= loadRegistry(SHOP);
  return shop;
};

async function model() {
  const r = await loadShop();
  const attr = (key: string) => {
    const a = r.registry.attributes.find((x) => x.key === key);
    if (!a) throw new Error(`attribute ${key} is missing from examples/shop`);
    return a;
  };
  const group = (id: string): Group => {
    const g = r.registry.groups.find((x) => x.id === id);
    if (!g) throw new Error(`group ${id} is missing from examples/shop`);
    return g;
  };
  const use = (groupId: string, key: string) => {
    const u = group(groupId).attributes.find((a) => a.key === key);
    if (!u) throw new Error(`group ${groupId} does not use ${key}`);
    return u;
  };
  const local = r.registry.attributes.filter((a) => !a.imported);
  const localGroups = r.registry.groups.filter((g) => !g.imported);
  return { r, attr, group, use, local, localGroups };
}

/** The registry's definition files split by syntax, read from disk (not from the loader). */
async function filesBySyntax(r: LoadResult) {
  const v1: string[] = [];
  const v2: string[] = [];
  for (const f of r.registry.files) {
    const text = await readFile(join(process.cwd(), f), 'utf8');
    (/^file_format: definition\/2$/m.test(text) ? v2 : v1).push(f);
  }
  return { v1, v2 };
}

describe('examples/shop', () => {
  it('checks clean: 0 errors, 0 warnings', async () => {
    const r = await loadShop();
    expect(
      r.diagnostics.map((d) => `${d.location.file}:${d.location.line} [${d.code}] ${d.message}`),
    ).toEqual([]);
    expect(r.errors).toBe(0);
    expect(r.warnings).toBe(0);
  });

  it('keeps the old built-in example: span.shop.checkout resolves to exactly its two attributes', async () => {
    const { attr, group, use } = await model();
    expect(group('span.shop.checkout').attributes.map((a) => a.key)).toEqual([
      'shop.order.id',
      'shop.payment.method',
    ]);
    expect(group('span.shop.checkout')).toMatchObject({ kind: 'span', spanKind: 'server' });
    expect(attr('shop.order.id')).toMatchObject({ stability: 'stable', examples: ['ord-4711'] });
    expect(attr('shop.order.status').type).toMatchObject({
      kind: 'enum',
      members: [{ id: 'pending' }, { id: 'paid' }, { id: 'shipped', stability: 'development' }],
    });
    expect(attr('shop.order.state').deprecated).toMatchObject({
      reason: 'renamed',
      renamedTo: 'shop.order.status',
    });
    expect(attr('shop.cart.items').type).toEqual({ kind: 'primitive', type: 'int' });
    expect(attr('shop.request.header').type).toEqual({ kind: 'template', type: 'string[]' });
    expect(attr('shop.payment.method').type).toMatchObject({
      kind: 'enum',
      members: [{ id: 'card' }, { id: 'invoice' }],
    });
    expect(group('metric.shop.order.duration')).toMatchObject({ instrument: 'histogram', unit: 's' });
    expect(use('metric.shop.order.duration', 'shop.order.status').requirementLevel).toEqual({
      level: 'required',
    });
    expect(group('metric.shop.cart.size')).toMatchObject({ instrument: 'histogram', unit: '{item}' });
    expect(group('event.shop.checkout.completed')).toMatchObject({
      kind: 'event',
      eventName: 'shop.checkout.completed',
    });
    expect(group('shop.checkout.attributes').visibility).toBe('internal');
  });

  it('mixes both syntaxes: several v1 and several v2 files, each contributing definitions and signals', async () => {
    const { r, localGroups, local } = await model();
    const { v1, v2 } = await filesBySyntax(r);
    expect(v1.length).toBeGreaterThanOrEqual(2);
    expect(v2.length).toBeGreaterThanOrEqual(2);
    const from = (files: string[]) => (x: { location: { file: string } }) => files.includes(x.location.file);
    expect(local.filter(from(v1)).length).toBeGreaterThan(0);
    expect(local.filter(from(v2)).length).toBeGreaterThan(0);
    for (const kind of ['span', 'metric', 'event', 'entity'] as const) {
      expect(localGroups.filter((g) => g.kind === kind && from(v1)(g)).length, `v1 ${kind}`).toBeGreaterThan(
        0,
      );
      expect(localGroups.filter((g) => g.kind === kind && from(v2)(g)).length, `v2 ${kind}`).toBeGreaterThan(
        0,
      );
    }
  });

  it('is a small, readable registry in which every attribute and group has a brief', async () => {
    const { local, localGroups } = await model();
    expect(local.length).toBeGreaterThanOrEqual(30);
    expect(local.length).toBeLessThanOrEqual(60);
    expect(local.filter((a) => !a.brief).map((a) => a.key)).toEqual([]);
    expect(localGroups.filter((g) => !g.brief).map((g) => g.id)).toEqual([]);
    expect(local.some((a) => a.note && a.examples.length > 0)).toBe(true);
  });

  it('has an attribute of every type', async () => {
    const { local } = await model();
    const primitives = new Set(local.flatMap((a) => (a.type.kind === 'primitive' ? [a.type.type] : [])));
    for (const t of PRIMITIVES) expect(primitives, t).toContain(t);
  });

  it('has string and int enums with stable, development and deprecated members', async () => {
    const { attr, local } = await model();
    const enums = local.flatMap((a) => (a.type.kind === 'enum' ? [a.type] : []));
    for (const valueType of ['string', 'int'] as const) {
      const members = enums.filter((e) => e.valueType === valueType).flatMap((e) => e.members);
      expect(members.some((m) => m.stability === 'stable')).toBe(true);
      expect(members.some((m) => m.stability === 'development')).toBe(true);
    }
    const priority = attr('shop.order.priority').type;
    expect(priority).toMatchObject({ kind: 'enum', valueType: 'int', allowCustomValues: false });
    expect(attr('shop.order.channel').type).toMatchObject({ kind: 'enum', allowCustomValues: true });
    const members = enums.flatMap((e) => e.members);
    // a deprecated member may keep the value of its replacement
    const app = members.find((m) => m.id === 'app')!;
    expect(app.deprecated).toMatchObject({ reason: 'renamed', renamedTo: 'mobile' });
    expect(members.find((m) => m.id === 'mobile')!.value).toBe(app.value);
  });

  it('has template attributes of several value types', async () => {
    const { local } = await model();
    const templates = new Set(local.flatMap((a) => (a.type.kind === 'template' ? [a.type.type] : [])));
    for (const t of ['string', 'string[]', 'int']) expect(templates, t).toContain(t);
  });

  it('has every deprecation form, on attributes and on signals', async () => {
    const { attr, group, local, localGroups } = await model();
    const reasons = new Set(local.map((a) => a.deprecated?.reason));
    for (const r of ['renamed', 'obsoleted', 'uncategorized']) expect(reasons, r).toContain(r);
    // the old plain-string form: "Replaced by `x`." is read as a rename
    expect(attr('shop.session.id').deprecated).toEqual({
      reason: 'uncategorized',
      note: 'Replaced by `shop.cart.id`.',
      renamedTo: 'shop.cart.id',
    });
    expect(attr('shop.session.started').deprecated).toEqual({
      reason: 'uncategorized',
      note: 'Sessions are no longer tracked.',
    });
    expect(attr('shop.cart.value').deprecated).toMatchObject({ reason: 'uncategorized' });
    expect(attr('shop.customer.email').deprecated).toMatchObject({ reason: 'obsoleted' });
    const deprecatedKinds = new Set(localGroups.filter((g) => g.deprecated).map((g) => g.kind));
    for (const k of ['metric', 'event', 'span']) expect(deprecatedKinds, k).toContain(k);
    expect(group('metric.shop.orders').deprecated).toMatchObject({
      reason: 'renamed',
      renamedTo: 'shop.order.created',
    });
  });

  it('uses every stability level, and the older spellings', async () => {
    const { attr, local, localGroups } = await model();
    const levels = new Set([...local, ...localGroups].map((x) => x.stability));
    for (const s of ['stable', 'development', 'alpha', 'beta', 'release_candidate', 'deprecated'])
      expect(levels, s).toContain(s);
    // `stability: experimental` and a group `prefix` (legacy.yaml)
    expect(attr('shop.session.id')).toMatchObject({ stability: 'development' });
    expect(attr('shop.session.id').location.file).toMatch(/legacy\.yaml$/);
  });

  it('overrides a referenced attribute (brief, note, examples, requirement level) without changing it', async () => {
    const { attr, use } = await model();
    const attempt = use('span.shop.payment.authorize', 'shop.payment.attempt');
    expect(attempt.brief).toBe('Number of this authorization attempt.');
    expect(attempt.brief).not.toBe(attr('shop.payment.attempt').brief);
    expect(attempt.requirementLevel).toEqual({ level: 'required' });
    expect(use('span.shop.payment.authorize', 'shop.payment.decline_code')).toMatchObject({
      note: 'Absent when the payment was authorized.',
      requirementLevel: {
        level: 'conditionally_required',
        text: 'if the provider declined the payment',
      },
    });
    expect(use('span.shop.payment.authorize', 'commerce.customer.id')).toMatchObject({
      examples: ['cus-0001'],
      requirementLevel: { level: 'opt_in' },
    });
    expect(attr('commerce.customer.id').examples).toEqual(['cus-9f2c']);
  });

  it('inherits attributes through extends (from an attribute group and from a metric_group)', async () => {
    const { group } = await model();
    const base = group('attributes.shop.payment').attributes.map((a) => a.key);
    expect(base.length).toBeGreaterThan(0);
    const span = group('span.shop.payment.authorize').attributes.map((a) => a.key);
    expect(span.slice(0, base.length)).toEqual(base);
    expect(span.length).toBeGreaterThan(base.length);
    expect(group('metric_attributes.shop.order').kind).toBe('metric_group');
    expect(group('metric.shop.order.created').attributes.map((a) => a.key)).toEqual([
      'shop.order.channel',
      'shop.order.priority',
    ]);
  });

  it('has v2 refinements of a span, a metric and an event', async () => {
    const { group } = await model();
    for (const [id, refines, added] of [
      ['span.shop.checkout.guest', 'span.shop.checkout', 'shop.cart.id'],
      ['metric.shop.cart.size.by_channel', 'metric.shop.cart.size', 'shop.order.channel'],
      ['event.shop.checkout.completed.with_total', 'event.shop.checkout.completed', 'shop.order.total'],
    ]) {
      const g = group(id);
      expect(g.refines).toBe(refines);
      const keys = g.attributes.map((a) => a.key);
      for (const k of group(refines).attributes.map((a) => a.key)) expect(keys).toContain(k);
      expect(keys).toContain(added);
    }
    expect(
      group('span.shop.checkout.guest').attributes.find((a) => a.key === 'shop.payment.method')!.brief,
    ).toBe('How the guest pays; guests cannot pay by invoice.');
  });

  it('has metrics of each instrument, with UCUM units and annotations', async () => {
    const { localGroups } = await model();
    const metrics = localGroups.filter((g) => g.kind === 'metric' && !g.refines);
    for (const i of ['counter', 'updowncounter', 'gauge', 'histogram'])
      expect(metrics.filter((m) => m.instrument === i).length, i).toBeGreaterThan(0);
    const units = new Set(metrics.map((m) => m.unit));
    for (const u of ['s', 'ms', 'kg', '{order}', '{item}']) expect(units, u).toContain(u);
  });

  it('has events with attributes, spans of several kinds and entities of both syntaxes', async () => {
    const { group, localGroups } = await model();
    const events = localGroups.filter((g) => g.kind === 'event' && !g.refines);
    expect(events.filter((e) => e.attributes.length > 1).length).toBeGreaterThan(0);
    const kinds = new Set(localGroups.filter((g) => g.kind === 'span').map((g) => g.spanKind));
    for (const k of ['server', 'client', 'internal']) expect(kinds, k).toContain(k);
    expect(group('entity.shop.storefront')).toMatchObject({ kind: 'entity', entityType: 'shop.storefront' });
    expect(group('entity.shop.warehouse')).toMatchObject({ kind: 'entity', entityType: 'shop.warehouse' });
    expect(group('entity.shop.warehouse').attributes.map((a) => a.key)).toEqual([
      'shop.warehouse.id',
      'shop.warehouse.region',
      'shop.warehouse.dock_ids',
    ]);
  });

  it('depends on examples/shop-base: references its attributes and imports some of its signals', async () => {
    const { r, attr, group, use } = await model();
    expect(r.registry.manifest.dependencies).toEqual([{ name: 'shop-base', registryPath: '../shop-base' }]);
    // attributes defined in the dependency, used here
    const currency = attr('commerce.currency.code');
    expect(currency.imported).toBe(true);
    expect(currency.location.file).toMatch(/shop-base[/\\]commerce\.yaml$/);
    expect(use('attributes.shop.payment', 'commerce.currency.code').requirementLevel).toEqual({
      level: 'required',
    });
    // ref_group of a dependency attribute group
    const refund = group('event.shop.refund.requested').attributes.map((a) => a.key);
    expect(refund.slice(0, 2)).toEqual(['commerce.customer.id', 'commerce.customer.tier']);
    // imported signals come along (flagged), the others do not
    for (const id of [
      'commerce.customer',
      'metric.commerce.transaction.count',
      'event.commerce.refund.issued',
      'entity.commerce.merchant',
    ])
      expect(group(id).imported, id).toBe(true);
    const ids = r.registry.groups.map((g) => g.id);
    expect(ids).not.toContain('metric.commerce.exchange.rate');
    expect(r.registry.attributes.map((a) => a.key)).not.toContain('commerce.tax.rate');
  });
});

describe('examples/shop-base', () => {
  it('checks clean on its own', async () => {
    const r = await loadRegistry(join(process.cwd(), 'examples', 'shop-base'));
    expect(r.diagnostics).toEqual([]);
    expect(r.registry.attributes.length).toBeGreaterThan(0);
  });
});

describe('examples/broken', () => {
  it('reports each intended mistake with its file:line:column, code and fix', async () => {
    const r = await loadRegistry(BROKEN);
    const found = r.diagnostics.map(
      (d) => `${d.location.file.split(/[/\\]/).pop()}:${d.location.line}:${d.location.column} ${d.code}`,
    );
    expect(found).toEqual([
      'registry.yaml:13:9 invalid-type',
      'registry.yaml:17:9 invalid-stability',
      'registry.yaml:21:9 invalid-name',
      'registry.yaml:25:9 missing-brief',
      'registry.yaml:39:15 duplicate-enum-member',
      'signals.yaml:4:5 invalid-unit',
      'signals.yaml:17:9 unresolved-ref',
    ]);
    for (const d of r.diagnostics) {
      expect(d.severity).toBe('error');
      expect(d.location.file).toMatch(/^examples[/\\]broken[/\\]/);
      expect(d.hint.length).toBeGreaterThan(5);
    }
    expect(r.errors).toBe(7);
    const ref = r.diagnostics.find((d) => d.code === 'unresolved-ref')!;
    expect(ref.message).toContain('cafe.order.ids');
    expect(ref.hint).toBe('did you mean `cafe.order.id`?');
    expect(r.diagnostics.find((d) => d.code === 'invalid-type')!.message).toContain('strng');
  });
});

import { describe, expect, it } from 'vitest';
import type { TemplateRegistry } from '../../../node/generation/index.js';
import type { RegistryChunk } from '../../../node/models/chunking.js';
import { routeFeedback } from '../../../node/models/feedback.js';
import type { Feedback } from '../../../node/models/index.js';

/** A part of the `shop` namespace holding these attribute keys. */
const part = (n: number, keys: string[]): RegistryChunk => ({
  id: `shop#${n}/2`,
  index: n,
  count: 2,
  namespaces: ['shop'],
  part: n,
  parts: 2,
  registry: {
    attributes: keys.map((key) => ({ key })),
    metrics: [],
    events: [],
  } as unknown as TemplateRegistry,
  tokens: 100,
});

const feedback: Feedback = {
  round: 1,
  diagnostics: [],
  missing: ['attribute shop.order.id is missing (expected ATTR_SHOP_ORDER_ID)'],
  wrongValue: [
    'wrong value: ATTR_SHOP_CART_ITEMS = "x" (shop_2.ts:4), expected "shop.cart.items" for attribute shop.cart.items',
  ],
  invented: ['ATTR_SHOP_COLOUR (shop_2.ts:9) is not in the registry: remove it'],
  previous: {
    files: [
      { path: 'shop_1.ts', content: "export const ATTR_SHOP_ORDER = 'shop.order' as const;\n" },
      { path: 'shop_2.ts', content: "export const ATTR_SHOP_CART_ITEMS = 'x' as const;\n" },
    ],
    chunks: [
      { id: 'shop#1/2', files: ['shop_1.ts'], reused: false },
      { id: 'shop#2/2', files: ['shop_2.ts'], reused: false },
    ] as NonNullable<Feedback['previous']>['chunks'],
  },
};

describe('feedback for a namespace split into parts', () => {
  it('gives each part only the issues of its own items and files', () => {
    const one = routeFeedback(feedback, part(1, ['shop.order', 'shop.order.id']), ['shop'], 10_000).prompt!;
    expect(one.missing).toEqual(feedback.missing);
    expect(one.wrong_value).toEqual([]);
    expect(one.invented).toEqual([]);
    expect(one.files.map((f) => f.path)).toEqual(['shop_1.ts']);
    const two = routeFeedback(feedback, part(2, ['shop.cart.items']), ['shop'], 10_000).prompt!;
    expect(two.missing).toEqual([]);
    expect(two.wrong_value).toEqual(feedback.wrongValue);
    expect(two.invented).toEqual(feedback.invented);
  });

  it('a part with nothing of its own to fix reuses its files without asking again', () => {
    const clean = { ...feedback, missing: [] };
    const one = routeFeedback(clean, part(1, ['shop.order', 'shop.order.id']), ['shop'], 10_000);
    expect(one.prompt).toBeUndefined();
    expect(one.reuse?.map((f) => f.path)).toEqual(['shop_1.ts']);
  });
});

/** A whole namespace per chunk (not split), with its own file. */
const whole = (ns: string): RegistryChunk => ({
  id: ns,
  index: ns === 'shop' ? 1 : 2,
  count: 2,
  namespaces: [ns],
  part: 1,
  parts: 1,
  registry: { attributes: [], metrics: [], events: [] } as unknown as TemplateRegistry,
  tokens: 100,
});

describe('feedback for whole namespaces, one per chunk', () => {
  const shipped =
    'invented: OrderStatusValues.SHIPPPED = "shipped" (attributes/shop_attributes.py:36) stands for no registry item: remove it';
  const scaffold = 'invented: VERSION_INFO = "1" (__init__.py:3) stands for no registry item: remove it';
  const routed: Feedback = {
    round: 1,
    diagnostics: [],
    invented: [shipped, scaffold],
    previous: {
      files: [
        { path: 'attributes/shop_attributes.py', content: 'SHOP_ORDER_ID = "shop.order.id"\n' },
        { path: 'attributes/http_attributes.py', content: 'HTTP_ROUTE = "http.route"\n' },
        { path: '__init__.py', content: 'VERSION_INFO = "1"\n' },
      ],
      chunks: [
        { id: 'shop', files: ['attributes/shop_attributes.py'], reused: false },
        { id: 'http', files: ['attributes/http_attributes.py'], reused: false },
      ] as NonNullable<Feedback['previous']>['chunks'],
    },
  };

  it('an issue whose name matches no namespace goes to the chunk whose file it names, and only there', () => {
    const shop = routeFeedback(routed, whole('shop'), ['shop', 'http'], 10_000).prompt!;
    expect(shop.invented).toEqual([shipped, scaffold]);
    const http = routeFeedback(routed, whole('http'), ['shop', 'http'], 10_000).prompt!;
    // the scaffold file is no chunk's: its issue stays with every chunk
    expect(http.invented).toEqual([scaffold]);
    expect(http.files.map((f) => f.path)).toEqual(['attributes/http_attributes.py']);
  });
});

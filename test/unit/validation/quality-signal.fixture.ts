import type { Language } from '../../../node/generation/languages.js';
import type {
  TemplateAttribute,
  TemplateRegistry,
  TemplateSignal,
} from '../../../node/generation/template-model.js';
import {
  createValidator,
  type EmitScope,
  type SourceFile,
  type ToolchainResult,
} from '../../../node/validation/index.js';
import { scoreQuality } from '../../../node/validation/quality.js';

/**
 * A small registry and, per language, the files a correct generator emits for it: the quality
 * signal tests break them one way at a time and look at the defects and the score.
 */
export const ID_BRIEF =
  'Identifier of the order, unique per shop and never reused, even after the order was deleted.';
export const LEGACY_BRIEF = 'Deprecated, use `shop.order.id` instead.';
/** a brief that mentions deprecation in its text (not a marker in any language) */
export const STATUS_BRIEF =
  'Status of the order. Deprecated: statuses stay readable; a `@deprecated` tag never applies to them.';

const attr = (key: string, brief: string, extra: Partial<TemplateAttribute> = {}): TemplateAttribute => ({
  key,
  type: 'string',
  kind: 'primitive',
  is_template: false,
  is_enum: false,
  brief,
  note: '',
  examples: [],
  stability: 'development',
  is_stable: false,
  deprecated: null,
  is_deprecated: false,
  root_namespace: key.split('.')[0],
  members: [],
  allow_custom_values: true,
  ...extra,
});

const member = (id: string, brief: string) => ({
  id,
  value: id,
  brief,
  note: '',
  stability: 'development',
  is_stable: false,
  deprecated: null,
  is_deprecated: false,
});

const signal = (name: string, brief: string, extra: Partial<TemplateSignal> = {}): TemplateSignal => ({
  name,
  brief,
  note: '',
  stability: 'development',
  is_stable: false,
  deprecated: null,
  is_deprecated: false,
  root_namespace: name.split('.')[0],
  attributes: [],
  instrument: '',
  unit: '',
  ...extra,
});

export function shopModel({ deprecated = true } = {}): TemplateRegistry {
  const attributes = [
    attr('shop.order.id', ID_BRIEF),
    ...(deprecated
      ? [
          attr('shop.order.legacy_id', LEGACY_BRIEF, {
            deprecated: {
              reason: 'renamed',
              note: 'Replaced by `shop.order.id`.',
              renamed_to: 'shop.order.id',
            },
            is_deprecated: true,
          }),
        ]
      : []),
    attr('shop.order.status', STATUS_BRIEF, {
      kind: 'enum',
      is_enum: true,
      members: [member('pending', 'Not paid yet.'), member('paid', 'Paid in full.')],
      allow_custom_values: false,
    }),
    attr('shop.order.header', 'Order headers, the key being the header name.', {
      kind: 'template',
      is_template: true,
    }),
  ];
  const metrics = [
    signal('shop.order.duration', 'Time from order creation to shipping.', {
      instrument: 'histogram',
      unit: 's',
    }),
  ];
  const events = [signal('shop.order.placed', 'An order was placed.')];
  return {
    name: 'shop',
    version: '1.0.0',
    schema_url: 'https://example.com/schemas/1.0.0',
    attributes,
    metrics,
    events,
    namespaces: [{ name: 'shop', attributes, metrics, events }],
  };
}

/** What a correct generator emits, per language (line numbers are found with `lineOf`). */
export const FILES: Partial<Record<Language, SourceFile[]>> = {
  typescript: [
    {
      path: 'attributes.ts',
      content: [
        '/**',
        ` * ${ID_BRIEF}`,
        ' */',
        "export const ATTR_SHOP_ORDER_ID = 'shop.order.id' as const;",
        '',
        '/**',
        ` * ${LEGACY_BRIEF}`,
        ' *',
        ' * @deprecated Replaced by `shop.order.id`.',
        ' */',
        "export const ATTR_SHOP_ORDER_LEGACY_ID = 'shop.order.legacy_id' as const;",
        '',
        '/**',
        ` * ${STATUS_BRIEF}`,
        ' */',
        "export const ATTR_SHOP_ORDER_STATUS = 'shop.order.status' as const;",
        '',
        '/** Not paid yet. */',
        "export const SHOP_ORDER_STATUS_VALUE_PENDING = 'pending' as const;",
        '/** Paid in full. */',
        "export const SHOP_ORDER_STATUS_VALUE_PAID = 'paid' as const;",
        '',
        '/** Order headers, the key being the header name. */',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
        'export const ATTR_SHOP_ORDER_HEADER = (key: string): string => `shop.order.header.${key}`;',
        '',
        '/** Time from order creation to shipping. */',
        "export const METRIC_SHOP_ORDER_DURATION = 'shop.order.duration' as const;",
        '',
        '/** An order was placed. */',
        "export const EVENT_SHOP_ORDER_PLACED = 'shop.order.placed' as const;",
        '',
      ].join('\n'),
    },
  ],
  python: [
    {
      path: 'shop/attributes.py',
      content: [
        'from enum import Enum',
        'from typing import Final',
        '',
        'SHOP_ORDER_ID: Final = "shop.order.id"',
        `"""${ID_BRIEF}"""`,
        '',
        'SHOP_ORDER_LEGACY_ID: Final = "shop.order.legacy_id"',
        '"""',
        LEGACY_BRIEF,
        '',
        'Deprecated: Replaced by `shop.order.id`.',
        '"""',
        '',
        'SHOP_ORDER_STATUS: Final = "shop.order.status"',
        `"""${STATUS_BRIEF}"""`,
        '',
        'SHOP_ORDER_HEADER_TEMPLATE: Final = "shop.order.header"',
        '"""Order headers, the key being the header name."""',
        '',
        '',
        'class ShopOrderStatusValues(Enum):',
        '    PENDING = "pending"',
        '    """Not paid yet."""',
        '    PAID = "paid"',
        '    """Paid in full."""',
        '',
        '',
        'SHOP_ORDER_DURATION: Final = "shop.order.duration"',
        '"""Time from order creation to shipping."""',
        '',
        'SHOP_ORDER_PLACED: Final = "shop.order.placed"',
        '"""An order was placed."""',
        '',
      ].join('\n'),
    },
  ],
  // the form of go.opentelemetry.io/otel/semconv: keys of type attribute.Key, a value constructor
  // per key, enum values as attribute.KeyValue vars, template attributes as functions returning a
  // KeyValue, metrics in the package of their namespace (shopconv) named without it
  go: [
    {
      path: 'attributes.go',
      content: [
        'package semconv',
        '',
        'import "go.opentelemetry.io/otel/attribute"',
        '',
        '// ShopOrderIDKey is the attribute key conforming to the "shop.order.id" semantic conventions.',
        `// ${ID_BRIEF}`,
        'const ShopOrderIDKey = attribute.Key("shop.order.id")',
        '',
        '// ShopOrderID returns an attribute KeyValue conforming to the "shop.order.id" semantic conventions.',
        'func ShopOrderID(val string) attribute.KeyValue {',
        '\treturn ShopOrderIDKey.String(val)',
        '}',
        '',
        '// ShopOrderLegacyIDKey is the attribute key conforming to the "shop.order.legacy_id" semantic conventions.',
        `// ${LEGACY_BRIEF}`,
        '//',
        '// Deprecated: Replaced by `shop.order.id`.',
        'const ShopOrderLegacyIDKey = attribute.Key("shop.order.legacy_id")',
        '',
        '// ShopOrderStatusKey is the attribute key conforming to the "shop.order.status" semantic conventions.',
        // the brief wrapped as a person would: one of its lines starts with "Deprecated:"
        `// ${STATUS_BRIEF.replace(' Deprecated:', '\n// Deprecated:')}`,
        'const ShopOrderStatusKey = attribute.Key("shop.order.status")',
        '',
        '// ShopOrderStatusPending is the "pending" value of the "shop.order.status" attribute.',
        '// Not paid yet.',
        'var ShopOrderStatusPending = ShopOrderStatusKey.String("pending")',
        '',
        '// ShopOrderStatusPaid is the "paid" value of the "shop.order.status" attribute.',
        '// Paid in full.',
        'var ShopOrderStatusPaid = ShopOrderStatusKey.String("paid")',
        '',
        '// ShopOrderHeader returns an attribute KeyValue for the "shop.order.header" template attribute.',
        '// Order headers, the key being the header name.',
        'func ShopOrderHeader(key string, val string) attribute.KeyValue {',
        '\treturn attribute.String("shop.order.header."+key, val)',
        '}',
        '',
        '// ShopOrderPlacedEventName is the name of the "shop.order.placed" event.',
        '// An order was placed.',
        'const ShopOrderPlacedEventName = "shop.order.placed"',
        '',
      ].join('\n'),
    },
    {
      path: 'shopconv/metric.go',
      content: [
        'package shopconv',
        '',
        '// OrderDurationName is the name of the "shop.order.duration" metric.',
        '// Time from order creation to shipping.',
        'const OrderDurationName = "shop.order.duration"',
        '',
      ].join('\n'),
    },
  ],
};

export const PASSED = (language: Language): ToolchainResult => ({
  language,
  tool: 'test',
  status: 'passed',
  errors: 0,
  warnings: 0,
  diagnostics: [],
  durationMs: 0,
});

/**
 * A fresh copy of a language's correct files, with edits: each replaces the first `from` of the first
 * file holding it (one of the files must hold it).
 */
export function filesWith(language: Language, ...edits: [from: string, to: string][]): SourceFile[] {
  const files = (FILES[language] ?? []).map((f) => ({ path: f.path, content: f.content }));
  for (const [from, to] of edits) {
    const f = files.find((x) => x.content.includes(from));
    if (!f) throw new Error(`no ${language} file holds ${JSON.stringify(from)}`);
    f.content = f.content.replace(from, to);
  }
  return files;
}

/** The file and 1-based line of the first line that starts with `text`. */
export function lineOf(files: SourceFile[], text: string): { file: string; line: number } {
  for (const f of files) {
    const i = f.content.split('\n').findIndex((l) => l.startsWith(text));
    if (i >= 0) return { file: f.path, line: i + 1 };
  }
  throw new Error(`no line starts with ${JSON.stringify(text)}`);
}

const validator = createValidator();

/** The symbol checks through the validator, scored as if the toolchain had passed. */
export async function check(language: Language, files: SourceFile[], model = shopModel(), scope?: EmitScope) {
  const v = await validator.validate({ language, files, model, scope }, { toolchain: false });
  return { ...v, toolchain: PASSED(language), quality: scoreQuality(PASSED(language), v.symbols) };
}

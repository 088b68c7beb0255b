/**
 * Scripted model answers for the example registry (test/fixtures/mini-registry: one root namespace,
 * `shop`), written the way models answer: some chatter, then fenced blocks naming their files.
 */

const tsFile = (orderIdLine: string) => `/**
 * Number of items in the cart.
 *
 * @experimental
 */
export const ATTR_SHOP_CART_ITEMS = 'shop.cart.items' as const;

/**
 * Identifier of the order.
 */
${orderIdLine}

/**
 * Deprecated, use \`shop.order.status\` instead.
 *
 * @deprecated Replaced by \`shop.order.status\`.
 */
export const ATTR_SHOP_ORDER_STATE = 'shop.order.state' as const;

/**
 * Status of the order.
 */
export const ATTR_SHOP_ORDER_STATUS = 'shop.order.status' as const;

/** Created, not paid yet. */
export const SHOP_ORDER_STATUS_VALUE_PENDING = 'pending' as const;

/** Paid, not shipped yet. */
export const SHOP_ORDER_STATUS_VALUE_PAID = 'paid' as const;

/** On its way. */
export const SHOP_ORDER_STATUS_VALUE_SHIPPED = 'shipped' as const;

/**
 * How the customer pays.
 */
export const ATTR_SHOP_PAYMENT_METHOD = 'shop.payment.method' as const;

/** Value "card" of shop.payment.method. */
export const SHOP_PAYMENT_METHOD_VALUE_CARD = 'card' as const;

/** Value "invoice" of shop.payment.method. */
export const SHOP_PAYMENT_METHOD_VALUE_INVOICE = 'invoice' as const;

/**
 * A request header, the key being the lowercased header name.
 */
export const ATTR_SHOP_REQUEST_HEADER = (key: string): string => 'shop.request.header.' + key;

/**
 * Items per cart at checkout.
 */
export const METRIC_SHOP_CART_SIZE = 'shop.cart.size' as const;

/**
 * Time from order creation to shipping.
 */
export const METRIC_SHOP_ORDER_DURATION = 'shop.order.duration' as const;

/**
 * A checkout finished.
 */
export const EVENT_SHOP_CHECKOUT_COMPLETED = 'shop.checkout.completed' as const;
`;

export const TS_GOOD_FILE = tsFile("export const ATTR_SHOP_ORDER_ID = 'shop.order.id' as const;");
/** a type error on line 11 of shop.ts: TS2322 */
export const TS_BROKEN_FILE = tsFile("export const ATTR_SHOP_ORDER_ID: number = 'shop.order.id';");
export const TS_BROKEN_LINE = 11;

export const tsAnswer = (file: string) => `Sure! Here are the constants for the \`shop\` namespace.

\`\`\`typescript
// file: shop.ts
${file}\`\`\`

Let me know if you need anything else.
`;

export const TS_GOOD = tsAnswer(TS_GOOD_FILE);
export const TS_BROKEN = tsAnswer(TS_BROKEN_FILE);

const pyAttributes = (statusClass: string) => `from enum import Enum
from typing import Final

SHOP_CART_ITEMS: Final = "shop.cart.items"
"""Number of items in the cart."""

SHOP_ORDER_ID: Final = "shop.order.id"
"""Identifier of the order."""

SHOP_ORDER_STATE: Final = "shop.order.state"
"""Deprecated, use \`shop.order.status\` instead.

Deprecated: Replaced by \`shop.order.status\`.
"""

SHOP_ORDER_STATUS: Final = "shop.order.status"
"""Status of the order."""

SHOP_PAYMENT_METHOD: Final = "shop.payment.method"
"""How the customer pays."""

SHOP_REQUEST_HEADER_TEMPLATE: Final = "shop.request.header"
"""A request header, the key being the lowercased header name."""


${statusClass}


class ShopPaymentMethodValues(Enum):
    """Values of shop.payment.method."""

    CARD = "card"
    INVOICE = "invoice"
`;

const PY_STATUS_GOOD = `class ShopOrderStatusValues(Enum):
    """Values of shop.order.status."""

    PENDING = "pending"
    """Created, not paid yet."""
    PAID = "paid"
    """Paid, not shipped yet."""
    SHIPPED = "shipped"
    """On its way."""`;

/** an unclosed bracket: a SyntaxError when compiled */
const PY_STATUS_BROKEN = `class ShopOrderStatusValues(Enum):
    """Values of shop.order.status."""

    PENDING = ("pending"
    PAID = "paid"
    SHIPPED = "shipped"`;

const pyAnswer = (statusClass: string) => `\`\`\`python
# file: attributes/shop_attributes.py
${pyAttributes(statusClass)}\`\`\`

\`\`\`python
# file: metrics/shop_metrics.py
from typing import Final

SHOP_CART_SIZE: Final = "shop.cart.size"
"""Items per cart at checkout."""

SHOP_ORDER_DURATION: Final = "shop.order.duration"
"""Time from order creation to shipping."""
\`\`\`

\`\`\`python
# file: events/shop_events.py
from typing import Final

SHOP_CHECKOUT_COMPLETED: Final = "shop.checkout.completed"
"""A checkout finished."""
\`\`\`
`;

export const PY_GOOD = pyAnswer(PY_STATUS_GOOD);
export const PY_BROKEN = pyAnswer(PY_STATUS_BROKEN);

/**
 * A registry of two root namespaces (`alpha`, `beta`) of 12 attributes each, with briefs long
 * enough that a small context window takes one namespace per chunk; and a model's answer for one
 * of them, `broken` giving item 3 a type error (TS2322).
 */
export const TWO_NAMESPACES: Record<string, string> = (() => {
  const attrs = (ns: string) =>
    Array.from({ length: 12 }, (_, i) => [
      `      - id: ${ns}.item${i}`,
      '        type: string',
      '        stability: development',
      `        brief: Item number ${i} of the ${ns} namespace, with a brief long enough to weigh something in the prompt.`,
    ]).flat();
  const lines = (...l: string[]) => `${l.join('\n')}\n`;
  return {
    'registry_manifest.yaml': lines('name: two', 'semconv_version: 1.0.0', 'schema_base_url: https://e.x/'),
    'model/registry.yaml': lines(
      'groups:',
      '  - id: registry.alpha',
      '    type: attribute_group',
      '    brief: alpha',
      '    attributes:',
      ...attrs('alpha'),
      '  - id: registry.beta',
      '    type: attribute_group',
      '    brief: beta',
      '    attributes:',
      ...attrs('beta'),
    ),
  };
})();

export const namespaceAnswer = (ns: string, broken: boolean) =>
  [
    `\`\`\`ts\n// file: ${ns}.ts`,
    ...Array.from({ length: 12 }, (_, i) =>
      [
        `/** Item number ${i} of the ${ns} namespace, with a brief long enough to weigh something in the prompt. */`,
        `export const ATTR_${ns.toUpperCase()}_ITEM${i}${broken && i === 3 ? ': number' : ''} = '${ns}.item${i}'${broken && i === 3 ? '' : ' as const'};`,
      ].join('\n'),
    ),
    '```',
  ].join('\n');

/** Which namespace a prompt asks for (its file is named in the user message). */
export const askedNamespace = (body: { messages: { content: string }[] }) =>
  /`(alpha|beta)\.ts`/.exec(body.messages[1].content)?.[1] as 'alpha' | 'beta';

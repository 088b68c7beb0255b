import { beforeAll, describe, expect, it } from 'vitest';
import type { Language, TemplateRegistry } from '../../../node/generation/index.js';
import {
  type ChatClient,
  createLimiter,
  createLlmGenerator,
  createPricing,
} from '../../../node/models/index.js';
import { createValidator } from '../../../node/validation/index.js';
import { type Tool, toolchain } from '../../helpers/tools.js';
import { PY_GOOD, TS_GOOD } from './answers.js';
import { loadModel } from './setup.js';

/**
 * Each language's prompt pack against its real toolchain: an answer that follows the prompt's
 * conventions (files named as asked, the names listed) plus the pack's scaffolds must compile and
 * carry the official names. The chat client is in process: the wire is covered elsewhere.
 */
const GO = `\`\`\`go
// file: shop.go
package semconv

// Number of items in the cart.
const ShopCartItemsKey = "shop.cart.items"

// Identifier of the order.
const ShopOrderIDKey = "shop.order.id"

// Deprecated, use \`shop.order.status\` instead.
//
// Deprecated: Replaced by \`shop.order.status\`.
const ShopOrderStateKey = "shop.order.state"

// Status of the order.
const ShopOrderStatusKey = "shop.order.status"

// Created, not paid yet.
const ShopOrderStatusPending = "pending"

// Paid, not shipped yet.
const ShopOrderStatusPaid = "paid"

// On its way.
const ShopOrderStatusShipped = "shipped"

// How the customer pays.
const ShopPaymentMethodKey = "shop.payment.method"

// card
const ShopPaymentMethodCard = "card"

// invoice
const ShopPaymentMethodInvoice = "invoice"

// A request header, the key being the lowercased header name.
func ShopRequestHeader(key string) string { return "shop.request.header." + key }

// A checkout finished.
const ShopCheckoutCompletedEventName = "shop.checkout.completed"
\`\`\`

\`\`\`go
// file: shopconv/metric.go
package shopconv

// Items per cart at checkout.
const CartSizeName = "shop.cart.size"

// Time from order creation to shipping.
const OrderDurationName = "shop.order.duration"
\`\`\``;

const RUST = `\`\`\`rust
// file: src/attribute/shop.rs
/// Number of items in the cart.
pub const SHOP_CART_ITEMS: &str = "shop.cart.items";
/// Identifier of the order.
pub const SHOP_ORDER_ID: &str = "shop.order.id";
/// Deprecated, use \`shop.order.status\` instead.
#[deprecated(note = "Replaced by \`shop.order.status\`.")]
pub const SHOP_ORDER_STATE: &str = "shop.order.state";
/// Status of the order.
pub const SHOP_ORDER_STATUS: &str = "shop.order.status";
/// Values of \`shop.order.status\`.
pub mod shop_order_status {
    /// Created, not paid yet.
    pub const PENDING: &str = "pending";
    /// Paid, not shipped yet.
    pub const PAID: &str = "paid";
    /// On its way.
    pub const SHIPPED: &str = "shipped";
}
/// How the customer pays.
pub const SHOP_PAYMENT_METHOD: &str = "shop.payment.method";
/// Values of \`shop.payment.method\`.
pub mod shop_payment_method {
    /// card
    pub const CARD: &str = "card";
    /// invoice
    pub const INVOICE: &str = "invoice";
}
/// A request header, the key being the lowercased header name: \`shop.request.header.<key>\`.
pub const SHOP_REQUEST_HEADER: &str = "shop.request.header";
\`\`\`

\`\`\`rust
// file: src/metric/shop.rs
/// Items per cart at checkout.
pub const SHOP_CART_SIZE: &str = "shop.cart.size";
/// Time from order creation to shipping.
pub const SHOP_ORDER_DURATION: &str = "shop.order.duration";
\`\`\`

\`\`\`rust
// file: src/event/shop.rs
/// A checkout finished.
pub const SHOP_CHECKOUT_COMPLETED: &str = "shop.checkout.completed";
\`\`\``;

const J = 'src/main/java/io/opentelemetry/semconv/incubating';
const JAVA = `\`\`\`java
// file: ${J}/ShopIncubatingAttributes.java
package io.opentelemetry.semconv.incubating;

public final class ShopIncubatingAttributes {
  /** Number of items in the cart. */
  public static final String SHOP_CART_ITEMS = "shop.cart.items";
  /** Identifier of the order. */
  public static final String SHOP_ORDER_ID = "shop.order.id";
  /**
   * Deprecated, use {@code shop.order.status} instead.
   *
   * @deprecated Replaced by {@code shop.order.status}.
   */
  @Deprecated public static final String SHOP_ORDER_STATE = "shop.order.state";
  /** Status of the order. */
  public static final String SHOP_ORDER_STATUS = "shop.order.status";
  /** How the customer pays. */
  public static final String SHOP_PAYMENT_METHOD = "shop.payment.method";
  /** A request header, the key being the lowercased header name. */
  public static String SHOP_REQUEST_HEADER(String key) {
    return "shop.request.header." + key;
  }

  /** Values of shop.order.status. */
  public static final class ShopOrderStatusIncubatingValues {
    /** Created, not paid yet. */
    public static final String PENDING = "pending";
    /** Paid, not shipped yet. */
    public static final String PAID = "paid";
    /** On its way. */
    public static final String SHIPPED = "shipped";

    private ShopOrderStatusIncubatingValues() {}
  }

  /** Values of shop.payment.method. */
  public static final class ShopPaymentMethodIncubatingValues {
    public static final String CARD = "card";
    public static final String INVOICE = "invoice";

    private ShopPaymentMethodIncubatingValues() {}
  }

  private ShopIncubatingAttributes() {}
}
\`\`\`

\`\`\`java
// file: ${J}/ShopIncubatingMetrics.java
package io.opentelemetry.semconv.incubating;

public final class ShopIncubatingMetrics {
  /** Items per cart at checkout. */
  public static final String SHOP_CART_SIZE_NAME = "shop.cart.size";
  /** Time from order creation to shipping. */
  public static final String SHOP_ORDER_DURATION_NAME = "shop.order.duration";

  private ShopIncubatingMetrics() {}
}
\`\`\`

\`\`\`java
// file: ${J}/ShopIncubatingEvents.java
package io.opentelemetry.semconv.incubating;

public final class ShopIncubatingEvents {
  /** A checkout finished. */
  public static final String SHOP_CHECKOUT_COMPLETED = "shop.checkout.completed";

  private ShopIncubatingEvents() {}
}
\`\`\``;

const ANSWERS: Record<Language, { answer: string; files: string[] }> = {
  typescript: { answer: TS_GOOD, files: ['index.ts', 'shop.ts'] },
  python: {
    answer: PY_GOOD,
    files: ['attributes/shop_attributes.py', 'events/shop_events.py', 'metrics/shop_metrics.py'],
  },
  go: { answer: GO, files: ['doc.go', 'shop.go', 'shopconv/metric.go'] },
  rust: {
    answer: RUST,
    files: ['src/attribute/shop.rs', 'src/event/shop.rs', 'src/lib.rs', 'src/metric/shop.rs'],
  },
  java: {
    answer: JAVA,
    files: ['ShopIncubatingAttributes', 'ShopIncubatingEvents', 'ShopIncubatingMetrics'].map(
      (c) => `${J}/${c}.java`,
    ),
  },
};

/** the toolchain each language's answer is compiled with (TypeScript's compiler is in process) */
const TOOL: Record<Language, Tool[]> = {
  typescript: [],
  python: ['python'],
  go: ['go'],
  rust: ['rust'],
  java: ['java'],
};

let model: TemplateRegistry;
beforeAll(async () => {
  model = await loadModel();
});

describe.each(Object.keys(ANSWERS) as Language[])('%s prompt pack', (language) => {
  const tools = toolchain(...TOOL[language]);
  const name = `asks for the files an answer then fills; with the scaffolds they compile, officially named${tools.note}`;
  it.skipIf(tools.skip)(name, async () => {
    const prompts: string[] = [];
    const client: ChatClient = {
      kind: 'anthropic',
      model: 'stub',
      id: 'anthropic:stub',
      async probe() {},
      async complete(req) {
        prompts.push(req.user);
        return {
          text: ANSWERS[language].answer,
          inputTokens: 1,
          outputTokens: 1,
          usageReported: true,
          finish: 'stop',
          attempts: 1,
        };
      },
    };
    const g = createLlmGenerator(client, {
      contextTokens: 100_000,
      maxOutputTokens: 8000,
      limiter: createLimiter(1),
      pricing: createPricing(),
    });
    const r = await g.generate({ language, model });
    expect(r.files.map((f) => f.path).sort()).toEqual(ANSWERS[language].files);
    // the prompt asked for exactly the files the answer gave (scaffolds excepted)
    for (const f of r.files.filter((x) => !['index.ts', 'doc.go', 'src/lib.rs'].includes(x.path)))
      expect(prompts[0]).toContain(`\`${f.path}\``);
    const v = await createValidator().validate({ language, files: r.files, model, scope: r.scope });
    expect(v.toolchain.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(v.toolchain.status).toBe('passed');
    expect(v.symbols.missing).toEqual([]);
    expect(v.symbols.misnamed).toEqual([]);
    expect(v.symbols.found).toBe(v.symbols.expected);
  });
});

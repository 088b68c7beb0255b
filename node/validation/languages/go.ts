import { goName } from '../../generation/case.js';
import { goSymbols } from '../symbols/go.js';
import { createGoToolchain } from '../toolchains/go.js';
import type { LanguageSupport } from './types.js';

/**
 * go.opentelemetry.io/otel/semconv naming, with Go initialisms: HTTPRequestMethodKey, template
 * attributes as functions HTTPRequestHeader(key), enum values HTTPRequestMethodGet (top-level, Go has
 * no enum classes), metrics HTTPServerRequestDurationName, events ExceptionEventName.
 */
export const goSupport: LanguageSupport = {
  language: 'go',
  toolchain: createGoToolchain(),
  symbols: goSymbols,
  deprecationMarker: 'a doc comment paragraph starting `Deprecated:`',
  naming: {
    attribute: (key) => `${goName(key)}Key`,
    templateAttribute: (key) => goName(key),
    enumMember: (key, id) => `${goName(key)}${goName(id)}`,
    metric: (name) => `${goName(name)}Name`,
    event: (name) => `${goName(name)}EventName`,
  },
};

import { camelCase, goName } from '../../generation/case.js';
import { goSymbols } from '../symbols/go.js';
import { createGoToolchain } from '../toolchains/go.js';
import type { LanguageSupport } from './types.js';

/**
 * A metric as go.opentelemetry.io/otel/semconv places it: in the package of its root namespace
 * (httpconv), named without that namespace; the symbol extractor qualifies such a package's symbols
 * by the namespace (`http.ServerRequestDurationName`). A name without a namespace stays in the root.
 */
export function goMetricName(name: string): string {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return `${goName(name)}Name`;
  return `${camelCase(name.slice(0, dot)).toLowerCase()}.${goName(name.slice(dot + 1))}Name`;
}

/**
 * go.opentelemetry.io/otel/semconv naming, with its acronyms (goName): HTTPRequestMethodKey,
 * AWSDynamoDBTableNamesKey, template attributes as functions HTTPRequestHeader(key, val), enum
 * values HTTPRequestMethodGet (top-level, Go has no enum classes), metrics in per-namespace packages
 * httpconv.ServerRequestDurationName (goMetricName), events ExceptionEventName.
 */
export const goSupport: LanguageSupport = {
  language: 'go',
  toolchain: createGoToolchain(),
  symbols: goSymbols,
  deprecationMarker: 'a doc comment paragraph starting `Deprecated:`',
  naming: {
    attribute: (key) => `${goName(key)}Key`,
    templateAttribute: (key) => goName(key),
    enumMember: (key, id) => goName(`${key}.${id}`),
    metric: goMetricName,
    event: (name) => `${goName(name)}EventName`,
  },
};

import { pascalCase, screamingSnakeCase } from '../../generation/case.js';
import { escapeReserved } from '../../generation/languages.js';
import { javaSymbols } from '../symbols/java.js';
import { createJavaToolchain } from '../toolchains/java.js';
import type { LanguageSupport } from './types.js';

const constName = (s: string) => escapeReserved(screamingSnakeCase(s), 'java');

/**
 * io.opentelemetry.semconv (opentelemetry-semconv and opentelemetry-semconv-incubating):
 * `HttpAttributes.HTTP_REQUEST_METHOD`, template attributes under the same UPPER_SNAKE name,
 * `HttpMetrics.HTTP_SERVER_REQUEST_DURATION_NAME`, `AppIncubatingEvents.APP_CRASH`. Enum members use
 * the incubating artifact's nested class, `HttpIncubatingAttributes.HttpRequestMethodIncubatingValues.GET`:
 * the incubating classes hold every attribute, so every member has that name (the stable classes
 * add `HttpRequestMethodValues` for stable attributes). As officially, the incubating classes repeat
 * stable items marked `@Deprecated` "in favor of stable": the extractor does not count that mark as the
 * item's deprecation (symbols/java.ts).
 */
export const javaSupport: LanguageSupport = {
  language: 'java',
  toolchain: createJavaToolchain(),
  symbols: javaSymbols,
  deprecationMarker: '`@Deprecated` and a Javadoc `@deprecated` tag',
  naming: {
    attribute: (key) => constName(key),
    templateAttribute: (key) => constName(key),
    enumMember: (key, id) =>
      `${escapeReserved(pascalCase(key), 'java')}IncubatingValues.${escapeReserved(screamingSnakeCase(id), 'java')}`,
    metric: (name) => `${constName(name)}_NAME`,
    event: (name) => constName(name),
  },
};

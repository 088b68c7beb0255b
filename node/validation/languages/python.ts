import { pascalCase, screamingSnakeCase } from '../../generation/case.js';
import { pythonSymbols } from '../symbols/python.js';
import { createPythonToolchain } from '../toolchains/python.js';
import type { LanguageSupport } from './types.js';

/**
 * opentelemetry-semantic-conventions naming: HTTP_REQUEST_METHOD, HTTP_REQUEST_HEADER_TEMPLATE for
 * template attributes, HttpRequestMethodValues.GET for enum members, HTTP_SERVER_REQUEST_DURATION for
 * metrics (the official package has no event constants: events follow the metric style).
 */
export const pythonSupport: LanguageSupport = {
  language: 'python',
  toolchain: createPythonToolchain(),
  symbols: pythonSymbols,
  deprecationMarker: 'a docstring paragraph starting `Deprecated:` (or `@deprecated` on its enum class)',
  naming: {
    attribute: (key) => screamingSnakeCase(key),
    templateAttribute: (key) => `${screamingSnakeCase(key)}_TEMPLATE`,
    enumMember: (key, id) => `${pascalCase(key)}Values.${screamingSnakeCase(id)}`,
    metric: (name) => screamingSnakeCase(name),
    event: (name) => screamingSnakeCase(name),
  },
};

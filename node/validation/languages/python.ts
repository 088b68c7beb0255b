import { pascalCase, screamingSnakeCase } from '../../generation/case.js';
import { pythonSymbols } from '../symbols/python.js';
import { createPythonToolchain } from '../toolchains/python.js';
import type { LanguageSupport } from './types.js';

/**
 * opentelemetry-semantic-conventions naming: HTTP_REQUEST_METHOD, HTTP_REQUEST_HEADER_TEMPLATE for
 * template attributes, HttpRequestMethodValues.GET for enum members, HTTP_SERVER_REQUEST_DURATION for
 * metrics (the official package has no event constants: events follow the metric style), and the
 * official package's few exceptions (CPythonGCGenerationValues).
 */
/** Enum classes the official package names against the rule (its generator's text map), by attribute key. */
export const PYTHON_ENUM_CLASSES: Readonly<Record<string, string>> = {
  'cpython.gc.generation': 'CPythonGCGenerationValues',
};

const enumClass = (key: string) =>
  Object.hasOwn(PYTHON_ENUM_CLASSES, key) ? PYTHON_ENUM_CLASSES[key] : `${pascalCase(key)}Values`;

export const pythonSupport: LanguageSupport = {
  language: 'python',
  toolchain: createPythonToolchain(),
  symbols: pythonSymbols,
  deprecationMarker: 'a docstring paragraph starting `Deprecated:` (or `@deprecated` on its enum class)',
  naming: {
    attribute: (key) => screamingSnakeCase(key),
    templateAttribute: (key) => `${screamingSnakeCase(key)}_TEMPLATE`,
    enumMember: (key, id) => `${enumClass(key)}.${screamingSnakeCase(id)}`,
    metric: (name) => screamingSnakeCase(name),
    event: (name) => screamingSnakeCase(name),
  },
};

import { screamingSnakeCase } from '../../generation/case.js';
import type { LanguageSupport } from './types.js';

// the TypeScript compiler takes about a second to load, and checking a large output takes seconds:
// both run in a child process (typescript-off-thread.ts), loaded when a candidate is first validated
const offThread = () => import('../typescript-off-thread.js');

/** @opentelemetry/semantic-conventions naming: ATTR_*, <ATTR>_VALUE_<MEMBER>, METRIC_*, EVENT_*. */
export const typescriptSupport: LanguageSupport = {
  language: 'typescript',
  toolchain: {
    language: 'typescript',
    tool: 'tsc (compiler API)',
    async validate(files, options) {
      return (await offThread()).checkTypescriptOffThread(files, options);
    },
  },
  symbols: { extract: async (files) => (await offThread()).typescriptSymbolsOffThread(files) },
  deprecationMarker: 'a JSDoc `@deprecated` tag',
  naming: {
    attribute: (key) => `ATTR_${screamingSnakeCase(key)}`,
    templateAttribute: (key) => `ATTR_${screamingSnakeCase(key)}`,
    enumMember: (key, id) => `${screamingSnakeCase(key)}_VALUE_${screamingSnakeCase(id)}`,
    metric: (name) => `METRIC_${screamingSnakeCase(name)}`,
    event: (name) => `EVENT_${screamingSnakeCase(name)}`,
  },
};

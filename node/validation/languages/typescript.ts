import { screamingSnakeCase } from '../../generation/case.js';
import type { LanguageSupport } from './types.js';

// the TypeScript compiler takes about a second to load: it is imported when a TypeScript candidate
// is first validated, not when the node (or the CLI) starts
const symbols = () => import('../symbols/typescript.js').then((m) => m.typescriptSymbols);
let toolchain: Promise<LanguageSupport['toolchain']> | undefined;

/** @opentelemetry/semantic-conventions naming: ATTR_*, <ATTR>_VALUE_<MEMBER>, METRIC_*, EVENT_*. */
export const typescriptSupport: LanguageSupport = {
  language: 'typescript',
  toolchain: {
    language: 'typescript',
    tool: 'tsc (compiler API)',
    async validate(files, options) {
      toolchain ??= import('../toolchains/typescript.js').then((m) => m.createTypescriptToolchain());
      return (await toolchain).validate(files, options);
    },
  },
  symbols: { extract: async (files) => (await symbols()).extract(files) },
  deprecationMarker: 'a JSDoc `@deprecated` tag',
  naming: {
    attribute: (key) => `ATTR_${screamingSnakeCase(key)}`,
    templateAttribute: (key) => `ATTR_${screamingSnakeCase(key)}`,
    enumMember: (key, id) => `${screamingSnakeCase(key)}_VALUE_${screamingSnakeCase(id)}`,
    metric: (name) => `METRIC_${screamingSnakeCase(name)}`,
    event: (name) => `EVENT_${screamingSnakeCase(name)}`,
  },
};

import { screamingSnakeCase } from '../../generation/case.js';
import { typescriptSymbols } from '../symbols/typescript.js';
import { createTypescriptToolchain } from '../toolchains/typescript.js';
import type { LanguageSupport } from './types.js';

/** @opentelemetry/semantic-conventions naming: ATTR_*, <ATTR>_VALUE_<MEMBER>, METRIC_*, EVENT_*. */
export const typescriptSupport: LanguageSupport = {
  language: 'typescript',
  toolchain: createTypescriptToolchain(),
  symbols: typescriptSymbols,
  naming: {
    attribute: (key) => `ATTR_${screamingSnakeCase(key)}`,
    templateAttribute: (key) => `ATTR_${screamingSnakeCase(key)}`,
    enumMember: (key, id) => `${screamingSnakeCase(key)}_VALUE_${screamingSnakeCase(id)}`,
    metric: (name) => `METRIC_${screamingSnakeCase(name)}`,
    event: (name) => `EVENT_${screamingSnakeCase(name)}`,
  },
};

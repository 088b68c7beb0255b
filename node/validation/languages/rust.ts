import { screamingSnakeCase, snakeCase } from '../../generation/case.js';
import { escapeReserved } from '../../generation/languages.js';
import { rustSymbols } from '../symbols/rust.js';
import { createRustToolchain } from '../toolchains/rust.js';
import type { LanguageSupport } from './types.js';

const constName = (s: string) => escapeReserved(screamingSnakeCase(s), 'rust');

/**
 * The crate opentelemetry-semantic-conventions: `attribute::HTTP_REQUEST_METHOD`,
 * `metric::HTTP_SERVER_REQUEST_DURATION`, template attributes as constants holding the key prefix.
 * The crate has no enum members or events; the rust-semconv pack's default puts members in a
 * module named after the attribute (`attribute::http_request_method::GET`, container
 * `http_request_method`) and events in `event::APP_CRASH`.
 */
export const rustSupport: LanguageSupport = {
  language: 'rust',
  toolchain: createRustToolchain(),
  symbols: rustSymbols,
  deprecationMarker: '`#[deprecated]`',
  naming: {
    attribute: (key) => constName(key),
    templateAttribute: (key) => constName(key),
    enumMember: (key, id) =>
      `${escapeReserved(snakeCase(key), 'rust').replace(/^r#/, '')}.${escapeReserved(screamingSnakeCase(id), 'rust')}`,
    metric: (name) => constName(name),
    event: (name) => constName(name),
  },
};

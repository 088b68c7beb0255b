import type { Language } from '../../generation/languages.js';
import type { SymbolExtractor } from '../symbols/types.js';
import type { Toolchain } from '../toolchain.js';

/**
 * The naming of the language's official OpenTelemetry semantic-conventions package, used to score
 * naming conformance. An enum member name may be container-qualified (`HttpRequestMethodValues.GET`);
 * it is compared with `container.name` of the extracted symbol, or `name` when the container is ''.
 */
export interface Naming {
  attribute(key: string): string;
  /** template attributes (key prefixes such as `http.request.header`) */
  templateAttribute(key: string): string;
  enumMember(key: string, memberId: string): string;
  metric(name: string): string;
  event(name: string): string;
}

/** Everything validation needs to know about one target language. */
export interface LanguageSupport {
  language: Language;
  toolchain: Toolchain;
  symbols: SymbolExtractor;
  naming: Naming;
  /** how the language marks a deprecated symbol, as the fix in a defect's message names it */
  deprecationMarker?: string;
}

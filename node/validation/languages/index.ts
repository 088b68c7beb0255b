import type { Language } from '../../generation/languages.js';
import { goSupport } from './go.js';
import { javaSupport } from './java.js';
import { pythonSupport } from './python.js';
import { rustSupport } from './rust.js';
import type { LanguageSupport } from './types.js';
import { typescriptSupport } from './typescript.js';

export type { LanguageSupport, Naming } from './types.js';

const SUPPORT: Record<Language, LanguageSupport> = {
  typescript: typescriptSupport,
  python: pythonSupport,
  go: goSupport,
  rust: rustSupport,
  java: javaSupport,
};

export function languageSupport(language: Language): LanguageSupport {
  return SUPPORT[language];
}

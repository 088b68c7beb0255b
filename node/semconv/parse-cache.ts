import type { Diagnostic } from './diagnostics.js';
import type { RawFile } from './raw.js';

/** A definition file as parsing and normalising left it: its syntax-neutral form (none for a file that is not a definition) and what it reported. */
export interface ParsedFile {
  raw?: RawFile;
  diagnostics: Diagnostic[];
}

/**
 * Parsed definition files kept between loads in one process (the node's load workers live on
 * between generations): a load after a one-file edit parses that file only, the YAML parse being
 * most of a load's time. Keyed by the file's path and compared on its whole text, so a file whose
 * bytes changed is parsed again; nothing is invalidated by time. Bounded by the text it holds
 * (least recently used out): 8 MiB of YAML (the semantic conventions are 1.2 MiB) keeps the parsed
 * objects well inside a load worker's heap next to the load of a registry at the size caps. Resolution reads raw files without changing them (tests load twice and
 * compare), which is what makes sharing them between loads sound.
 */
export interface ParseCache {
  get(path: string, text: string): ParsedFile | undefined;
  set(path: string, text: string, parsed: ParsedFile): void;
  stats(): { files: number; chars: number; hits: number; misses: number };
  clear(): void;
}

export function createParseCache(maxChars = 8 * 1024 * 1024): ParseCache {
  const entries = new Map<string, { text: string; parsed: ParsedFile }>();
  let chars = 0;
  let hits = 0;
  let misses = 0;
  return {
    get(path, text) {
      const e = entries.get(path);
      if (!e || e.text !== text) {
        misses++;
        return undefined;
      }
      hits++;
      entries.delete(path);
      entries.set(path, e);
      return e.parsed;
    },
    set(path, text, parsed) {
      const old = entries.get(path);
      if (old) chars -= old.text.length;
      entries.delete(path);
      if (text.length > maxChars) return;
      entries.set(path, { text, parsed });
      chars += text.length;
      for (const [key, e] of entries) {
        if (chars <= maxChars) break;
        entries.delete(key);
        chars -= e.text.length;
      }
    },
    stats: () => ({ files: entries.size, chars, hits, misses }),
    clear() {
      entries.clear();
      chars = 0;
    },
  };
}

import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { DiagnosticSink } from './diagnostics.js';
import { KEY_OFFSETS, type Location, OFFSET, type SourceMap, SRC } from './location.js';

/**
 * Parses YAML into plain values, hanging the source offset of every object and of each of its
 * keys on symbol keys (with the file's SourceMap), so that checks can point at file:line:column.
 */
export function readYaml(source: string, file: string, sink: DiagnosticSink): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const src: SourceMap = {
    file,
    at(offset: number): Location {
      const pos = lineCounter.linePos(offset);
      return { file, line: pos.line, column: pos.col };
    },
  };
  for (const e of doc.errors) {
    sink.error(
      'yaml-syntax',
      src.at(e.pos[0]),
      `YAML syntax error: ${e.message.split('\n')[0]}`,
      'fix the YAML syntax',
    );
  }
  if (doc.errors.length > 0) return undefined;
  const convert = (node: unknown, depth: number): unknown => {
    if (depth > 64) return undefined; // registries are shallow; a deeper one is hostile
    if (isAlias(node)) return convert(node.resolve(doc), depth + 1);
    if (isScalar(node)) return node.value;
    if (isMap(node)) {
      const out: Record<string | symbol, unknown> = {};
      const keys: Record<string, number> = {};
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        out[k] = convert(pair.value, depth + 1);
        keys[k] = (pair.key as Node | null)?.range?.[0] ?? 0;
      }
      out[SRC] = src;
      out[OFFSET] = node.range?.[0] ?? 0;
      out[KEY_OFFSETS] = keys;
      return out;
    }
    if (isSeq(node)) {
      const arr = node.items.map((item) => convert(item, depth + 1)) as unknown[] & Record<symbol, unknown>;
      arr[SRC] = src;
      arr[OFFSET] = node.range?.[0] ?? 0;
      return arr;
    }
    return node ?? null;
  };
  return convert(doc.contents, 0);
}

import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { DiagnosticSink } from './diagnostics.js';
import { KEY_LOC, LOC, type Location } from './location.js';

/**
 * Parses YAML into plain values, hanging the source position of every object and of each of its
 * keys on non-enumerable symbols, so that checks can point at file:line:column.
 */
export function readYaml(source: string, file: string, sink: DiagnosticSink): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined): Location => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { file, line: pos.line, column: pos.col };
  };
  for (const e of doc.errors) {
    sink.error(
      'yaml-syntax',
      at(e.pos[0]),
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
      const out: Record<string, unknown> = {};
      const keyLoc: Record<string, Location> = {};
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        out[k] = convert(pair.value, depth + 1);
        keyLoc[k] = at((pair.key as Node | null)?.range?.[0]);
      }
      Object.defineProperty(out, LOC, { value: at(node.range?.[0]), enumerable: false });
      Object.defineProperty(out, KEY_LOC, { value: keyLoc, enumerable: false });
      return out;
    }
    if (isSeq(node)) {
      const arr = node.items.map((item) => convert(item, depth + 1));
      Object.defineProperty(arr, LOC, { value: at(node.range?.[0]), enumerable: false });
      return arr;
    }
    return node ?? null;
  };
  return convert(doc.contents, 0);
}

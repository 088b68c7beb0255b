import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import type { DiagnosticSink } from './diagnostics.js';
import { SemconvError, SemconvErrorCode } from './errors.js';
import { KEY_OFFSETS, type Location, OFFSET, type SourceMap, SRC } from './location.js';

/**
 * Bounds on what YAML aliases may make of one file. A YAML alias repeats what its anchor holds, so
 * a few hundred bytes of nested aliases ("billion laughs") describe billions of nodes. Registries
 * use aliases for a repeated brief or note, far below these bounds.
 *
 * The yaml library's own guard (`maxAliasCount`, checked by `toJS`) is not used here: on hostile
 * input it is itself the problem, since each alias is resolved by scanning the document's anchors
 * and a nested alias by visiting the whole document (measured: 40,000 aliases in a 250 KB file,
 * 13 s; 600 nested aliases in a 400 KB file, 4 s; both far under its alias count). This reader
 * resolves every alias in one pass over the document and counts what expanding them creates.
 */
export const YAML_LIMITS = {
  /** nodes (maps, lists, scalars) that expanding aliases may create in one file (each alias counts at least one) */
  maxAliasNodes: 100_000,
  /** nesting of maps and lists; registries are a few levels deep, deeper values are dropped */
  maxDepth: 64,
};

/**
 * Parses YAML into plain values, hanging the source offset of every object and of each of its
 * keys on symbol keys (with the file's SourceMap), so that checks can point at file:line:column.
 * A file whose aliases expand past YAML_LIMITS throws LIMIT_EXCEEDED (located at the alias).
 */
export function readYaml(source: string, file: string, sink: DiagnosticSink): unknown {
  const lineCounter = new LineCounter();
  // merge keys (`<<`) are off: they expand like aliases, and registries do not use them. The
  // library's duplicate-key check compares each key with every key before it (a manifest of 8,000
  // keys: seconds); duplicateKeys below does the same check in one pass.
  const doc = parseDocument(source, { lineCounter, uniqueKeys: false, prettyErrors: false, merge: false });
  const src: SourceMap = {
    file,
    at(offset: number): Location {
      const pos = lineCounter.linePos(offset);
      return { file, line: pos.line, column: pos.col };
    },
  };
  const syntax = doc.errors.map((e) => ({ at: e.pos[0], message: e.message.split('\n')[0] }));
  const duplicates = duplicateKeys(doc);
  // in the order of the file, as the library reports its own check's errors among the others
  const errors = duplicates.length ? [...syntax, ...duplicates].sort((a, b) => a.at - b.at) : syntax;
  for (const e of errors) {
    sink.error('yaml-syntax', src.at(e.at), `YAML syntax error: ${e.message}`, 'fix the YAML syntax');
  }
  if (errors.length > 0) return undefined;
  // `*` starts every alias: a file without one has none to resolve
  const targets = source.includes('*') ? aliasTargets(doc) : undefined;
  const overLimit = (offset: number) => {
    const at = src.at(offset);
    const max = YAML_LIMITS.maxAliasNodes;
    return new SemconvError(
      {
        code: SemconvErrorCode.LIMIT_EXCEEDED,
        path: file,
        limit: 'aliasNodes',
        max,
        file,
        line: at.line,
        column: at.column,
      },
      `${file}:${at.line}:${at.column}: YAML aliases expand to more than ${max} nodes (the limit for one file); ` +
        'a file that expands like this is refused: write the values out, or use fewer aliases',
    );
  };
  // nodes created while expanding an alias: outside aliases the count is bounded by the file's size
  let expanded = 0;
  // the outermost alias being expanded, where an over-limit file is located
  let aliasAt = 0;
  const convert = (node: unknown, depth: number, inAlias: boolean): unknown => {
    if (depth > YAML_LIMITS.maxDepth) return undefined; // registries are shallow; a deeper one is hostile
    if (inAlias && ++expanded > YAML_LIMITS.maxAliasNodes) throw overLimit(aliasAt);
    if (isAlias(node) && !inAlias) aliasAt = node.range?.[0] ?? 0;
    if (isAlias(node)) {
      const target = targets?.get(node);
      if (!target && !inAlias)
        sink.error(
          'yaml-syntax',
          src.at(node.range?.[0] ?? 0),
          `YAML syntax error: the alias *${node.source} has no anchor &${node.source} before it`,
          'define the anchor before the alias, or write the value out',
        );
      return convert(target, depth + 1, true);
    }
    if (isScalar(node)) return node.value;
    if (isMap(node)) {
      const out: Record<string | symbol, unknown> = {};
      const keys: Record<string, number> = {};
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        out[k] = convert(pair.value, depth + 1, inAlias);
        keys[k] = (pair.key as Node | null)?.range?.[0] ?? 0;
      }
      out[SRC] = src;
      out[OFFSET] = node.range?.[0] ?? 0;
      out[KEY_OFFSETS] = keys;
      return out;
    }
    if (isSeq(node)) {
      const arr = node.items.map((item) => convert(item, depth + 1, inAlias)) as unknown[] &
        Record<symbol, unknown>;
      arr[SRC] = src;
      arr[OFFSET] = node.range?.[0] ?? 0;
      return arr;
    }
    return node ?? null;
  };
  return convert(doc.contents, 0, false);
}

/** Each alias's anchored node (the last node with that anchor before it, as YAML says), found in one pass. */
function aliasTargets(doc: Document.Parsed): Map<Node, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Node, Node>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

/**
 * The yaml library's `uniqueKeys` check (two scalar keys of one map with the same value), in one
 * pass: each map's keys go into a set. Located where the library locates it, at the later key.
 */
function duplicateKeys(doc: Document.Parsed): { at: number; message: string }[] {
  const found: { at: number; message: string }[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        // the library compares with ===, under which NaN is never a duplicate
        if (!isScalar(pair.key) || Number.isNaN(pair.key.value)) continue;
        if (seen.has(pair.key.value))
          found.push({ at: pair.key.range?.[0] ?? 0, message: 'Map keys must be unique' });
        else seen.add(pair.key.value);
      }
    },
  });
  return found;
}

import ts from 'typescript';
import type { ExtractedSymbol, SymbolExtractor } from './types.js';

/**
 * Reads TypeScript through the compiler's parser (no regexes): `export const X = 'v'`, `as const`
 * variants, template functions `(key) => 'prefix.' + key` or template literals, and members of
 * object literals (`export const XValues = {A: 'a'}`). Deprecated is what the compiler says (its
 * JSDoc `@deprecated` tag), not a word in the comment.
 */
export const typescriptSymbols: SymbolExtractor = {
  extract(files) {
    const out: ExtractedSymbol[] = [];
    for (const f of files) {
      if (!/\.(ts|mts|cts|js|mjs)$/.test(f.path)) continue;
      const sf = ts.createSourceFile(f.path, f.content, ts.ScriptTarget.ES2022, true);
      const push = (name: string, init: ts.Expression | undefined, node: ts.Node, container: string) => {
        const v = literalOf(init);
        if (v === undefined) {
          const obj = unwrapObject(init);
          if (obj)
            for (const p of obj.properties)
              if (ts.isPropertyAssignment(p)) push(p.name.getText(sf), p.initializer, p, name);
          return;
        }
        const { doc, deprecated } = docOf(node, sf);
        out.push({
          name,
          value: v.value,
          kind: v.kind,
          file: f.path,
          line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
          doc,
          deprecated,
          container,
        });
      };
      for (const stmt of sf.statements) {
        if (!ts.isVariableStatement(stmt)) continue;
        for (const d of stmt.declarationList.declarations) {
          if (ts.isIdentifier(d.name)) push(d.name.text, d.initializer, stmt, '');
        }
      }
    }
    return out;
  },
};

function unwrap(e: ts.Expression | undefined): ts.Expression | undefined {
  let x = e;
  while (
    x &&
    (ts.isAsExpression(x) ||
      ts.isParenthesizedExpression(x) ||
      ts.isSatisfiesExpression(x) ||
      ts.isTypeAssertionExpression(x))
  )
    x = x.expression;
  return x;
}

function unwrapObject(e: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  let x = unwrap(e);
  if (x && ts.isCallExpression(x) && x.arguments.length === 1) x = unwrap(x.arguments[0]); // Object.freeze({...})
  return x && ts.isObjectLiteralExpression(x) ? x : undefined;
}

function literalOf(
  e: ts.Expression | undefined,
): { value: string | number | boolean; kind: 'constant' | 'template' } | undefined {
  const x = unwrap(e);
  if (!x) return undefined;
  if (ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x))
    return { value: x.text, kind: 'constant' };
  if (ts.isNumericLiteral(x)) return { value: Number(x.text), kind: 'constant' };
  if (
    ts.isPrefixUnaryExpression(x) &&
    x.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(x.operand)
  )
    return { value: -Number(x.operand.text), kind: 'constant' };
  if (x.kind === ts.SyntaxKind.TrueKeyword) return { value: true, kind: 'constant' };
  if (x.kind === ts.SyntaxKind.FalseKeyword) return { value: false, kind: 'constant' };
  if (ts.isArrowFunction(x) || ts.isFunctionExpression(x)) {
    const body = ts.isBlock(x.body) ? x.body.statements.find(ts.isReturnStatement)?.expression : x.body;
    const prefix = templatePrefix(unwrap(body));
    return prefix === undefined ? undefined : { value: prefix.replace(/\.$/, ''), kind: 'template' };
  }
  return undefined;
}

/** `'a.b.' + key` or `` `a.b.${key}` `` -> `a.b.` */
function templatePrefix(e: ts.Expression | undefined): string | undefined {
  if (!e) return undefined;
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = unwrap(e.left);
    if (l && (ts.isStringLiteral(l) || ts.isNoSubstitutionTemplateLiteral(l))) return l.text;
  }
  if (ts.isTemplateExpression(e)) return e.head.text;
  return undefined;
}

function docOf(node: ts.Node, sf: ts.SourceFile): { doc: string; deprecated: boolean } {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => r.kind === ts.SyntaxKind.MultiLineCommentTrivia).pop();
  if (!last) return { doc: '', deprecated: ts.getJSDocDeprecatedTag(node) !== undefined };
  const raw = sf.text.slice(last.pos, last.end);
  const doc = raw
    .replace(/^\/\*\*?|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
  // deprecated as the compiler sees it (a JSDoc `@deprecated` tag, what editors strike through), not
  // the word in the text: `` `@deprecated` `` quoted in a brief is no tag
  return { doc, deprecated: ts.getJSDocDeprecatedTag(node) !== undefined };
}

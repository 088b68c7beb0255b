/** A constant found in generated code: its name, the value it holds, its doc and deprecation mark. */
export interface ExtractedSymbol {
  name: string;
  /** The string (or number/boolean) value; for template functions, the key prefix (e.g. `http.request.header`). */
  value: string | number | boolean;
  kind: 'constant' | 'template';
  file: string;
  line: number;
  doc: string;
  deprecated: boolean;
  /** Enclosing type for members of an enum class/object (Python Enum, Java nested class, TS object), else ''. */
  container: string;
}

export interface SymbolExtractor {
  /** sync for most languages; a promise where the parser is loaded on first use (TypeScript) */
  extract(files: { path: string; content: string }[]): ExtractedSymbol[] | Promise<ExtractedSymbol[]>;
}

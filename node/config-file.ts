import { applyEdits, modify, type ParseError, parse, printParseErrorCode } from 'jsonc-parser';

/**
 * `<home>/weavergen.config.json` is JSON with comments (as tsconfig.json): `weavergen init` writes
 * one that explains each setting, and the node and init read it with comments and trailing commas
 * allowed. A syntax error is located (line and column) so the person can fix it.
 */
export function parseConfigText(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length === 0) return { ok: true, value };
  const e = errors[0];
  const before = text.slice(0, e.offset);
  const line = before.split('\n').length;
  const column = e.offset - before.lastIndexOf('\n');
  return { ok: false, message: `${printParseErrorCode(e.error)} at line ${line}, column ${column}` };
}

/** The text with `path` set to `value`, comments and layout kept. */
export function setConfigValue(text: string, path: (string | number)[], value: unknown): string {
  return applyEdits(
    text,
    modify(text, path, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } }),
  );
}

/** What `weavergen init` writes: the settings a team sets first, the others as comments, each explained. */
export function commentedConfig(o: { share: string; registry?: string }): string {
  return `// WeaverGen node configuration: JSON with comments. Precedence: defaults < this file <
// WEAVERGEN_* environment < command-line flags. Every setting is in the README's configuration
// table; a value that does not parse is an error naming where it came from.
{
  "network": {
    // What this node shares with the WeaverGen network (weavergen init --force --share MODE):
    //   off           publishes nothing and ignores peers' digests (still on the network: packs
    //                 are fetched and installed, gossip is relayed; --no-network for none)
    //   receive-only  learns from peers' digests, publishes nothing (the default)
    //   contexts:<languages or context globs>, e.g. contexts:typescript,go
    //   all           publishes anonymized digests of every context, public arms only (built-in
    //                 and announced packs, public models): Laplace noise on the counts, an entry
    //                 sent only if its noised count reaches k (not k-anonymity: delta 0.16 at k 5)
    "share": ${JSON.stringify(o.share)}
    // "bootstrap": ["/dns4/peer.example/tcp/4001/p2p/12D3Koo..."],  // peers to join at start
  },
  "generation": {
    // template variants tried per language per generation (1-8); the best measured one wins
    "candidates": 2,
    // folders a request's "out" may be in, besides <home>/out and the node's working folder
    "outputRoots": []${o.registry ? `\n    // the semantic-convention registry found in this repository: ${o.registry}` : ''}
  }
  // "api": { "host": "127.0.0.1", "port": 4590 },  // where the HTTP API and the dashboard listen
  // "models": {
  //   // generators besides the built-in templates: ollama:<model>, openai:<model>, anthropic:<model>
  //   "models": "builtin,ollama:qwen3:8b",
  //   "openai": { "apiKey": "sk-..." }  // or OPENAI_API_KEY in the environment
  // }
}
`;
}

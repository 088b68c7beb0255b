import { posix } from 'node:path';
import { runProcess, withTempDir } from '../run-process.js';
import {
  DEFAULT_TOOL_TIMEOUT_MS,
  notFoundReason,
  resultBuilder,
  type SourceFile,
  type Toolchain,
  type ToolchainOptions,
  type ToolchainResult,
  type ToolDiagnostic,
} from '../toolchain.js';

/**
 * Rust through `rustc` alone (no cargo, no network): the crate root (`src/lib.rs`, else the
 * shallowest `lib.rs`, else a lone `.rs` file) is type-checked with
 * `rustc --edition 2021 --crate-type lib --emit=metadata --error-format=json` in each configuration
 * cargo would build it in that matters here: with its default features only (`cargo build`), then,
 * when the Cargo.toml declares others, with every feature on (`cargo build --all-features`, e.g.
 * `--features semconv_experimental`), each feature passed as `--cfg feature="..."`. Both must
 * compile: an item gated behind a feature and one that uses it without the gate fail one of them.
 * A diagnostic only the second configuration has says so in its message; the result's reason names
 * the configurations compiled. Edition 2021 and the flags used exist since rustc 1.56, so
 * distribution packages work.
 */
export function createRustToolchain(init: { command?: string } = {}): Toolchain {
  const command = init.command ?? 'rustc';
  return {
    language: 'rust',
    tool: command,
    async validate(files: SourceFile[], options: ToolchainOptions = {}): Promise<ToolchainResult> {
      const started = performance.now();
      const result = resultBuilder('rust', command, started);
      const root = crateRoot(files);
      if (!root) {
        return result('failed', [], 'no Rust crate root (src/lib.rs) in the output');
      }
      const { all, defaults } = cargoFeatureSets(files, root);
      const configs = [defaults];
      if (all.some((f) => !defaults.includes(f))) configs.push(all);
      const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
      return withTempDir('rust', files, async (dir) => {
        const diagnostics: ToolDiagnostic[] = [];
        const seen = new Set<string>();
        for (const [i, features] of configs.entries()) {
          const args = [
            '--edition',
            '2021',
            '--crate-type',
            'lib',
            '--emit=metadata',
            '--error-format=json',
            '--crate-name',
            'generated',
          ];
          for (const f of features) args.push('--cfg', `feature="${f}"`);
          args.push('-o', posix.join(dir, `out${i}.rmeta`), root);
          const run = await runProcess(command, args, { cwd: dir, timeoutMs, signal: options.signal });
          if (run.notFound) return result('not_validated', [], notFoundReason('rust', command));
          if (run.timedOut)
            return result('failed', diagnostics, `${command} timed out after ${timeoutMs} ms`);
          const found = parseRustcJson(run.stderr);
          const failed = found.some((d) => d.severity === 'error');
          for (const d of found) {
            const key = `${d.file}:${d.line}:${d.column}:${d.severity}:${d.message}`;
            if (seen.has(key)) continue;
            seen.add(key);
            diagnostics.push(
              i === 0 ? d : { ...d, message: `${d.message} (with ${describeFeatures(features)})` },
            );
          }
          // a tool that failed without a located error (bad flag, crash) still failed: the builder counts one
          if (run.code !== 0 && !failed)
            return result(
              'failed',
              diagnostics,
              `${command} exited with code ${run.code}${i === 0 ? '' : ` (with ${describeFeatures(features)})`}: ${firstLine(run.stderr) || firstLine(run.stdout) || 'no output'}`,
            );
        }
        const failed = diagnostics.some((d) => d.severity === 'error');
        const compiled =
          configs.length > 1
            ? `compiled with the default features and with ${describeFeatures(configs[1])}`
            : undefined;
        return result(failed ? 'failed' : 'passed', diagnostics, compiled);
      });
    },
  };
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.slice(0, 300) ?? '';

/** `src/lib.rs`, else the shallowest `lib.rs`, else `main.rs` likewise, else the only `.rs` file. */
export function crateRoot(files: SourceFile[]): string | undefined {
  const rs = files.map((f) => posix.normalize(f.path.replace(/\\/g, '/'))).filter((p) => p.endsWith('.rs'));
  for (const name of ['lib.rs', 'main.rs']) {
    if (rs.includes(`src/${name}`)) return `src/${name}`;
    const found = rs
      .filter((p) => posix.basename(p) === name)
      .sort((a, b) => a.split('/').length - b.split('/').length);
    if (found.length > 0) return found[0];
  }
  return rs.length === 1 ? rs[0] : undefined;
}

/** `--features a,b` without `default`, the way a person would type it. */
const describeFeatures = (features: string[]) => {
  const named = features.filter((f) => f !== 'default');
  return named.length ? `--features ${named.join(',')}` : 'no feature';
};

/**
 * The features cargo turns on by default (`default` and what its list names, followed through
 * other features' lists) and all features declared, from the Cargo.toml next to the crate root's
 * `src/`.
 */
export function cargoFeatureSets(files: SourceFile[], root: string): { all: string[]; defaults: string[] } {
  const table = cargoFeatureTable(files, root);
  const all = [...table.keys()];
  const defaults: string[] = [];
  const visit = (f: string) => {
    if (defaults.includes(f) || !table.has(f)) return;
    defaults.push(f);
    for (const g of table.get(f) ?? []) visit(g);
  };
  visit('default');
  return { all, defaults: all.filter((f) => defaults.includes(f)) };
}

/** Feature names of the `[features]` table of the Cargo.toml next to the crate root's `src/`. */
export function cargoFeatures(files: SourceFile[], root: string): string[] {
  return [...cargoFeatureTable(files, root).keys()];
}

/** feature -> the features its list turns on (`dep:` and `crate/feature` entries left out) */
function cargoFeatureTable(files: SourceFile[], root: string): Map<string, string[]> {
  const rootDir = posix.dirname(root);
  const crateDir = posix.basename(rootDir) === 'src' ? posix.dirname(rootDir) : rootDir;
  const manifest = files.find((f) => posix.normalize(f.path) === posix.join(crateDir, 'Cargo.toml'));
  const table = new Map<string, string[]>();
  if (!manifest) return table;
  let inFeatures = false;
  for (const raw of manifest.content.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line.startsWith('[')) {
      inFeatures = line === '[features]';
      continue;
    }
    const m = inFeatures ? /^"?([A-Za-z0-9_\-+.]+)"?\s*=\s*(.*)$/.exec(line) : null;
    if (m)
      table.set(
        m[1],
        [...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]).filter((f) => !f.includes(':') && !f.includes('/')),
      );
  }
  return table;
}

interface RustcSpan {
  file_name: string;
  line_start: number;
  column_start: number;
  is_primary: boolean;
}

interface RustcMessage {
  $message_type?: string;
  message: string;
  code: { code: string } | null;
  level: string;
  spans: RustcSpan[];
}

/** rustc's JSON diagnostics, one per line; summaries ("aborting due to...") are dropped. */
export function parseRustcJson(stderr: string): ToolDiagnostic[] {
  const out: ToolDiagnostic[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    let msg: RustcMessage;
    try {
      msg = JSON.parse(line) as RustcMessage;
    } catch {
      continue;
    }
    if (msg.$message_type && msg.$message_type !== 'diagnostic') continue;
    const severity =
      msg.level === 'error' || msg.level.startsWith('error')
        ? 'error'
        : msg.level === 'warning'
          ? 'warning'
          : undefined;
    if (!severity) continue;
    const span = msg.spans.find((s) => s.is_primary) ?? msg.spans[0];
    if (!span && /^(aborting due to|\d+ warnings? emitted|warning: \d+ warnings? emitted)/.test(msg.message))
      continue;
    if (!span && severity === 'warning' && /warnings? emitted$/.test(msg.message)) continue;
    out.push({
      file: span?.file_name ?? '',
      line: span?.line_start ?? 0,
      column: span?.column_start ?? 0,
      severity,
      message: msg.code?.code ? `${msg.code.code}: ${msg.message}` : msg.message,
    });
  }
  return out;
}

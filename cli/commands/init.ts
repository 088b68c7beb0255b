import { existsSync, statSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { CONFIG_FILE } from '../../node/config.js';
import { commentedConfig, parseConfigText, setConfigValue } from '../../node/config-file.js';
import { ensureHome, ensureToken, TOKEN_FILE } from '../../node/home.js';
import { NodeError, NodeErrorCode } from '../../node/node-errors.js';
import { findRegistries } from '../../node/semconv/find.js';
import { DEFAULT_SHARE, parseShare, SHARE_EXPLAINED, SHARE_MODES, shareText } from '../../node/share.js';
import { EXIT, UsageError } from '../errors.js';
import { shown } from '../render/paths.js';

export interface InitOptions {
  home?: string;
  share?: string;
  force?: boolean;
  /** the repository to search for registries (default: the working folder) */
  dir?: string;
}

/** How init talks to its user: a terminal is asked, anything else is told. */
export interface InitIo {
  interactive: boolean;
  ask(question: string): Promise<string>;
  out(line: string): void;
}

const terminal = (): InitIo => ({
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  async ask(question) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
  out: (line) => process.stdout.write(`${line}\n`),
});

const MENU = SHARE_MODES.map(
  (m) => `  ${(m === 'contexts' ? 'contexts:<list>' : m).padEnd(16)} ${SHARE_EXPLAINED[m]}`,
);

/** The share mode the user picks at the terminal (empty answer: the default); asks again on a typo. */
async function askShare(io: InitIo): Promise<string> {
  io.out('What should this node share with the WeaverGen network?');
  for (const line of MENU) io.out(line);
  for (let attempt = 0; attempt < 5; attempt++) {
    const answer = (await io.ask(`share mode [${DEFAULT_SHARE}]: `)).trim();
    if (answer === '') return DEFAULT_SHARE;
    // `contexts` alone asks for the list
    const text =
      answer === 'contexts' ? `contexts:${(await io.ask('contexts (e.g. typescript,go): ')).trim()}` : answer;
    const parsed = parseShare(text);
    if (parsed.ok) return shareText(parsed.share);
    io.out(parsed.message);
  }
  throw new UsageError('no share mode chosen; run weavergen init --share MODE');
}

/**
 * `weavergen init`, in a repository: creates the node's home and its API token, writes a commented
 * config file (`<home>/weavergen.config.json`: the team's choice of what the node shares,
 * `network.share`, and the settings set first, explained), finds the semantic-convention registries
 * in the repository, and prints the next three commands. On a home that has a config, it only sets
 * network.share there (comments and other settings kept); a share mode already chosen is changed
 * only with --force. Asks at a terminal, explaining each mode; elsewhere takes --share, or
 * receive-only and says so.
 */
export async function init(opts: InitOptions, io: InitIo = terminal()): Promise<number> {
  const home = resolve(opts.home ?? process.env.WEAVERGEN_HOME ?? '.weavergen');
  const path = join(home, CONFIG_FILE);
  const repo = resolve(opts.dir ?? process.cwd());
  if (opts.dir !== undefined && !statSync(repo, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(
      `--dir: ${shown(repo)} is not a folder (give the repository to search for registries)`,
    );
  let given: string | undefined;
  if (opts.share !== undefined) {
    const parsed = parseShare(opts.share);
    if (!parsed.ok) throw new UsageError(`--share: ${parsed.message}`);
    given = shareText(parsed.share);
  }
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new NodeError(
      { code: NodeErrorCode.CONFIG_INVALID, source: path },
      `cannot read ${path}: ${e.message}`,
    );
  });
  let config: Record<string, unknown> = {};
  if (text !== undefined) {
    const parsed = parseConfigText(text);
    if (!parsed.ok)
      throw new NodeError(
        { code: NodeErrorCode.CONFIG_INVALID, source: path },
        `${path} is not valid JSON with comments (${parsed.message}); fix it or remove it`,
      );
    config = parsed.value as Record<string, unknown>;
    if (!config || typeof config !== 'object' || Array.isArray(config))
      throw new NodeError(
        { code: NodeErrorCode.CONFIG_INVALID, source: path },
        `${path} must hold a JSON object`,
      );
  }
  const network = (config.network ?? {}) as Record<string, unknown>;
  if (typeof network !== 'object' || Array.isArray(network))
    throw new NodeError(
      { code: NodeErrorCode.CONFIG_INVALID, source: path },
      `${path}: "network" must be an object`,
    );
  const existing = typeof network.share === 'string' ? network.share : undefined;
  if (existing !== undefined && !opts.force && (given === undefined || given !== existing))
    throw new UsageError(
      `${shown(path)} already sets network.share to "${existing}"; to change it run weavergen init --force --share MODE`,
    );

  let share = given;
  if (share === undefined) {
    if (io.interactive) share = await askShare(io);
    else {
      share = DEFAULT_SHARE;
      io.out(
        `no --share given and no terminal to ask: sharing ${DEFAULT_SHARE} (${SHARE_EXPLAINED[DEFAULT_SHARE]})`,
      );
    }
  }
  const hadToken = existsSync(join(home, TOKEN_FILE));
  await ensureHome(home);
  await ensureToken(home);
  if (!hadToken)
    io.out(
      `created the node's home ${shown(home)} with its API token (${shown(join(home, TOKEN_FILE))}, mode 0600)`,
    );

  const registries = await findRegistries(repo, { skip: [home] });
  if (existing === share) io.out(`${shown(path)}: network.share is already ${share}`);
  else {
    const next =
      text === undefined
        ? commentedConfig({ share, ...(registries[0] ? { registry: shown(registries[0].dir) } : {}) })
        : setConfigValue(text, ['network', 'share'], share);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, next);
    await rename(tmp, path);
    const mode = share.startsWith('contexts:') ? 'contexts' : (share as keyof typeof SHARE_EXPLAINED);
    io.out(
      `wrote ${shown(path)}${text === undefined ? ' (commented: every setting explained)' : ''}: network.share = ${share}`,
    );
    io.out(`  ${SHARE_EXPLAINED[mode]}`);
    if (text !== undefined) io.out('  a node already running on this home reads it at its next start');
  }

  const homeFlag = opts.home ? ` --home ${shown(home)}` : '';
  const registry = registries[0] ? shown(registries[0].dir) : '<registry folder>';
  if (registries.length === 0)
    io.out(
      `no semantic-convention registry found in ${shown(repo)}; point the commands below at one (a folder of registry YAML, e.g. the model/ folder of a semantic-conventions release)`,
    );
  else
    for (const r of registries.slice(0, 5))
      io.out(
        `found a registry: ${shown(r.dir)} (${r.files} YAML files${r.manifest ? ', with registry_manifest.yaml' : ''})`,
      );
  const next = [
    [`weavergen registry check ${registry}`, 'is the registry sound?'],
    [`weavergen generate ${registry} --lang typescript${homeFlag}`, 'generate, validated, with the reasons'],
    [`weavergen node start${homeFlag}`, 'the node, its API and the dashboard (http://127.0.0.1:4590/)'],
  ];
  const width = Math.max(...next.map(([c]) => c.length));
  io.out('next:');
  for (const [command, why] of next) io.out(`  ${command.padEnd(width)}  # ${why}`);
  return EXIT.OK;
}

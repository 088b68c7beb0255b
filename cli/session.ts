import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../node/config.js';
import { NODE_START, readAnnouncement } from '../node/home.js';
import { NodeError, NodeErrorCode } from '../node/node-errors.js';
import { type ApiClient, connect, createClient } from './client.js';

/** The node a command talks to: the one serving the home's API, else one started in this process. */
export interface NodeSession {
  api: ApiClient;
  /** true when the node runs in this process (API and network off) and stops with the command */
  embedded: boolean;
  home: string;
  /** models configured but skipped (no key, unreachable): said once by the command that generates */
  skippedModels: string[];
  close(): Promise<void>;
}

export interface SessionOptions {
  home?: string;
  /** what runs it, for the home's announcement (another process finding the home locked says so) */
  command: string;
  /** a read: the home must exist already, and no model generator is set up */
  read?: boolean;
  /**
   * output folders the person at this prompt asked for: a node started here writes there (it is
   * theirs); a running node keeps its own generation.outputRoots
   */
  outputs?: string[];
}

export const homeOf = (home?: string) => resolve(home ?? process.env.WEAVERGEN_HOME ?? '.weavergen');

/** How long a command waits for a node that is starting on its home (it holds the lock, its API not yet up). */
const STARTING_NODE_WAIT_MS = 10_000;

/**
 * One pipeline behind every command: the node running on the home answers over HTTP; when none
 * does, the same node (store, spans, cache, optimizer, orchestra with the configured models,
 * reasoning loop, decisions, learning) is created here on that home with its API served in-process
 * and the network off, and is stopped cleanly when the command ends or on Ctrl-C. The command
 * runs only its own work: generations another process left unfinished are the next `node start`'s.
 */
export async function openSession(opts: SessionOptions): Promise<NodeSession> {
  const home = homeOf(opts.home);
  // configuration errors (a bad environment value, a broken config file) are the same either way
  const config = await loadConfig({ home, api: { enabled: false }, network: { enabled: false } });
  config.generation.outputRoots.push(...(opts.outputs ?? []));
  const running = await connect(home);
  if (running) return { api: running, embedded: false, home, skippedModels: [], close: async () => {} };
  if (opts.read && !existsSync(join(home, 'db', 'CURRENT')))
    throw new NodeError(
      { code: NodeErrorCode.HOME_MISSING, home },
      `no WeaverGen home at ${home} (nothing has run there yet): run \`weavergen generate <registry> --lang ts\` first, or give --home DIR (or WEAVERGEN_HOME)`,
    );
  const [{ createNode }, { createApi }] = await Promise.all([
    import('../node/node.js'),
    import('../node/api/index.js'),
  ]);
  // a read needs no model generators: no provider is probed for it
  const nodeConfig = opts.read ? { ...config, models: { models: 'builtin' } } : config;
  let node: Awaited<ReturnType<typeof createNode>>;
  try {
    node = await createNode(nodeConfig, { globalTelemetry: true, command: opts.command, recover: false });
  } catch (e) {
    // a node starting on this home holds the lock before its API answers: use it once it does
    const locked = e instanceof NodeError && e.code === NodeErrorCode.HOME_LOCKED;
    const starting = locked && (await readAnnouncement(home))?.command === NODE_START;
    const api = starting ? await waitForNode(home) : undefined;
    if (api) return { api, embedded: false, home, skippedModels: [], close: async () => {} };
    throw e;
  }
  const app = createApi(
    { node },
    { log: (m, e) => process.stderr.write(`weavergen: ${m}${e ? `: ${(e as Error).message ?? e}` : ''}\n`) },
  );
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= node.stop().finally(() => process.off('SIGINT', interrupt).off('SIGTERM', interrupt));
    return closing;
  };
  // Ctrl-C: work in flight finishes (or is recorded cancelled after the grace period), the store
  // closes; a second Ctrl-C ends the process at once
  const interrupt = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130);
    process.stderr.write(
      `\nweavergen: ${signal}: stopping, work in flight finishes first (up to ${node.config.generation.shutdownGraceMs / 1000} s; Ctrl-C again to quit now)...\n`,
    );
    void close().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  // in this process too, $WEAVERGEN_TOKEN (a tenant's token) speaks for the user instead of the home's
  const api = createClient(
    (path, init) => Promise.resolve(app.request(path, init)),
    'embedded',
    process.env.WEAVERGEN_TOKEN || node.token,
  );
  return { api, embedded: true, home, skippedModels: node.health().models.skipped, close };
}

async function waitForNode(home: string): Promise<ApiClient | undefined> {
  const deadline = Date.now() + STARTING_NODE_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const api = await connect(home);
    if (api) return api;
  }
  return undefined;
}

/** Runs `fn` with a session and always closes it. */
export async function withSession<T>(opts: SessionOptions, fn: (s: NodeSession) => Promise<T>): Promise<T> {
  const session = await openSession(opts);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

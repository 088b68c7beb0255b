import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeError, NodeErrorCode } from '../node/node-errors.js';
import { type ApiClient, connect, createClient } from './client.js';

/** The node a command talks to: the one serving the home's API, else one started in this process. */
export interface NodeSession {
  api: ApiClient;
  /** true when the node runs in this process (API and network off) and stops with the command */
  embedded: boolean;
  home: string;
  close(): Promise<void>;
}

export interface SessionOptions {
  home?: string;
  /** what runs it, for the home's announcement (another process finding the home locked says so) */
  command: string;
  /** a read: the home must exist already, and unfinished work of an earlier node is left for the node */
  read?: boolean;
}

export const homeOf = (home?: string) => resolve(home ?? process.env.WEAVERGEN_HOME ?? '.weavergen');

/**
 * One pipeline behind every command: the node running on the home answers over HTTP; when none
 * does, the same node (store, spans, cache, optimizer, orchestra with the configured models,
 * reasoning loop, decisions, learning) is created here on that home with its API served in-process
 * and the network off, and is stopped cleanly when the command ends or on Ctrl-C.
 */
export async function openSession(opts: SessionOptions): Promise<NodeSession> {
  const home = homeOf(opts.home);
  const running = await connect(home);
  if (running) return { api: running, embedded: false, home, close: async () => {} };
  if (opts.read && !existsSync(join(home, 'db', 'CURRENT')))
    throw new NodeError(
      { code: NodeErrorCode.HOME_MISSING, home },
      `no WeaverGen home at ${home} (nothing has run there yet): run \`weavergen generate <registry> --lang ts\` first, or give --home DIR (or WEAVERGEN_HOME)`,
    );
  const [{ loadConfig }, { createNode }, { createApi }] = await Promise.all([
    import('../node/config.js'),
    import('../node/node.js'),
    import('../node/api/index.js'),
  ]);
  const config = await loadConfig({ home, api: { enabled: false }, network: { enabled: false } });
  const node = await createNode(config, {
    globalTelemetry: true,
    command: opts.command,
    recover: !opts.read,
  });
  const app = createApi(
    { node },
    { log: (m, e) => process.stderr.write(`weavergen: ${m}${e ? `: ${(e as Error).message ?? e}` : ''}\n`) },
  );
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= node.stop().finally(() => process.off('SIGINT', interrupt).off('SIGTERM', interrupt));
    return closing;
  };
  // Ctrl-C: work in flight finishes (or is recorded cancelled after the grace period), the store closes
  const interrupt = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nweavergen: ${signal}: stopping (work in flight finishes first)...\n`);
    void close().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  const api = createClient((path, init) => Promise.resolve(app.request(path, init)), 'embedded', node.token);
  return { api, embedded: true, home, close };
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

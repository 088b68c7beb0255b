import { join } from 'node:path';
import { startApiServer } from '../../node/api/index.js';
import { loadConfig } from '../../node/config.js';
import { LANGUAGES } from '../../node/generation/languages.js';
import { announce, NODE_START } from '../../node/home.js';
import { createNode } from '../../node/node.js';
import { EXIT, UsageError } from '../errors.js';
import { shown } from '../render/paths.js';
import { EXAMPLE_REGISTRY } from './example.js';

export interface NodeStartOptions {
  home?: string;
  apiPort?: string;
  apiHost?: string;
  example?: boolean;
  /** false with --no-network */
  network?: boolean;
  listen?: string;
  /** the only addresses peers are told (comma-separated multiaddrs) */
  announce?: string;
  bootstrap?: string;
  mdns?: boolean;
  /** off | receive-only | contexts:<list> | all */
  share?: string;
}

const csv = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/**
 * `weavergen node start`: the node with its API and dashboard. On a fresh home it runs one example
 * generation so the first screen shows something real. SIGINT/SIGTERM: in-flight work finishes (or
 * is recorded cancelled after the grace period), stores close, exit 0.
 */
export async function nodeStart(opts: NodeStartOptions): Promise<number> {
  const port = opts.apiPort === undefined ? undefined : Number(opts.apiPort);
  if (port !== undefined && (!/^\d{1,5}$/.test(opts.apiPort ?? '') || port > 65_535))
    throw new UsageError(`--api-port must be a port number from 0 to 65535, got "${opts.apiPort}"`);
  const config = await loadConfig({
    home: opts.home,
    api: { port, host: opts.apiHost },
    network: {
      enabled: opts.network === false ? false : undefined,
      listen: csv(opts.listen),
      announce: csv(opts.announce),
      bootstrap: csv(opts.bootstrap),
      mdns: opts.mdns || undefined,
      share: opts.share,
    },
  });
  const node = await createNode(config, { globalTelemetry: true, command: NODE_START });
  const server = config.api.enabled
    ? await startApiServer(node, { host: config.api.host, port: config.api.port }).catch(async (e) => {
        await node.stop();
        throw e;
      })
    : undefined;
  const net = node.peers();
  if (server)
    await announce(config.home, {
      url: server.url,
      pid: process.pid,
      startedAt: Date.now(),
      command: NODE_START,
      peerId: net.peerId,
      addresses: net.addresses,
    });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`weavergen node running: home ${shown(config.home)}`);
  if (server) {
    out(`API and dashboard: ${server.url}  (token: ${shown(join(config.home, 'token'))})`);
    out(
      `  pages: ${server.url}/#/ generations · ${server.url}/#/learning · ${server.url}/#/network packs and peers · ${server.url}/#/tasks`,
    );
  }
  if (net.peerId)
    out(
      net.addresses.length
        ? `peer ${net.peerId} listening on ${net.addresses.join(', ')}`
        : `peer ${net.peerId} listening on ${net.listen.join(', ')}, announcing no address (set network.announce)`,
    );
  else out('network off (--no-network): learning stays local');
  out(`sharing: ${net.share.description}`);
  for (const s of node.health().models.skipped) out(s);

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      out(`\n${signal}: stopping (in-flight generations finish first)...`);
      // the node drains first while the API still streams progress and results to those following
      // their generations (it refuses new work meanwhile); then the server closes
      await node.stop();
      await server?.close();
      out('stopped.');
    })();
    return stopping;
  };
  process.once('SIGINT', () => void stop('SIGINT').then(() => process.exit(EXIT.OK)));
  process.once('SIGTERM', () => void stop('SIGTERM').then(() => process.exit(EXIT.OK)));

  if (node.fresh && opts.example !== false) {
    out(`first start: generating the example registry in ${LANGUAGES.length} languages...`);
    const { id, done } = await node.generate({
      registry: EXAMPLE_REGISTRY,
      languages: [...LANGUAGES],
      out: join(config.home, 'out'),
    });
    const record = await done;
    out(`example generation ${id}: ${record.status}`);
    for (const l of record.languages) {
      out(
        `  ${l.language.padEnd(10)} ${l.winner ? `q=${l.winner.q.toFixed(3)} ${l.winner.summary} (${l.winner.arm.packName})` : l.reason}`,
      );
    }
    out(
      `  files in ${shown(join(config.home, 'out'))}; why: weavergen explain ${id}${server ? `; see ${server.url}/#/generations/${encodeURIComponent(id)}` : ''}`,
    );
  }
  // keep running until a signal arrives
  await new Promise<never>(() => {});
  return EXIT.OK;
}

import { NodeError, NodeErrorCode } from '../../node/node-errors.js';
import { connect } from '../client.js';
import { EXIT } from '../errors.js';
import { table } from '../render/table.js';
import { homeOf } from '../session.js';

interface PeersInfo {
  peerId?: string;
  addresses: string[];
  listen?: string[];
  notice?: string;
  share?: { mode: string; description: string; publicPacks: number; epochMs: number; publishes: boolean };
  /** the anonymizer's accounting (protocols/anonymizer.ts PrivacySummary), when the network is on */
  stats?: { privacy?: { spentLastYear: number; budgetPerYear: number; delta: number; k: number } };
  peers: {
    id: string;
    connected: boolean;
    addresses: string[];
    score?: number;
    digests: number;
    patterns: number;
    rejected: Record<string, number>;
  }[];
}

/** `weavergen peers`: the running node's peer id, announced addresses, share mode and peers (needs a running node). */
export async function peers(opts: { home?: string; json?: boolean }): Promise<number> {
  const home = homeOf(opts.home);
  const api = await connect(home);
  // the network lives in a running node: a CLI command's own node has it off
  if (!api)
    throw new NodeError(
      { code: NodeErrorCode.NOT_RUNNING, home },
      `no node is running on ${home}: start one with \`weavergen node start --home ${home}\``,
    );
  const info = await api.get<PeersInfo>('/v1/peers');
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return EXIT.OK;
  }
  const hours = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms / 1000} s`);
  const lines = [
    `peer id: ${info.peerId ?? '(network off)'}`,
    ...info.addresses.map((a) => `announced: ${a}`),
    ...(info.notice ? [`announced: none (${info.notice})`] : []),
    ...(info.share
      ? [
          `sharing: ${info.share.description}`,
          ...(info.share.publishes
            ? [
                `  one digest per ${hours(info.share.epochMs)} at a random moment; arms of ${info.share.publicPacks} public packs and public models only`,
              ]
            : []),
        ]
      : []),
    ...(info.stats?.privacy ? [privacyLine(info.stats.privacy)] : []),
    '',
  ];
  const rows = info.peers.map((p) => [
    p.id,
    p.connected ? 'yes' : 'no',
    p.score === undefined ? '-' : p.score.toFixed(2),
    p.digests,
    p.patterns,
    Object.entries(p.rejected)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-',
  ]);
  lines.push(
    rows.length ? table(['peer', 'connected', 'score', 'digests', 'patterns', 'rejected'], rows) : 'no peers',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

/** The privacy accounting in one line: what the yearly budget allows and what a release costs. */
export function privacyLine(p: {
  spentLastYear: number;
  budgetPerYear: number;
  delta: number;
  k: number;
}): string {
  const num = (x: number) => String(Math.round(x * 100) / 100);
  return `privacy: epsilon spent in the last 365 days ${num(p.spentLastYear)} of ${num(p.budgetPerYear)}, delta ${num(p.delta)} per entry, k ${p.k}`;
}

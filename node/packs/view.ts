import type { PackRating as NetworkRating, PackEntry, SearchHit } from '../../marketplace/index.js';
import { parseArmKey } from '../../protocols/index.js';
import type { ArmStats } from '../learning/index.js';
import type { PackCheck } from './check.js';
import type { PackRating } from './store.js';

/** A pack as `pack search`, `pack list` and the API show it. */
export interface PatternSummary {
  /** the content id */
  id: string;
  name: string;
  version: string;
  language: string;
  /** template | prompt; '' while known only from an announcement */
  kind: string;
  description: string;
  license: string;
  params: string[];
  /** builtin | installed | announced */
  sources: string[];
  publishers: string[];
  /** the content was checked here (held, or fetched and verified); otherwise the publisher's signed claim */
  verified: boolean;
  installed: boolean;
  /** published by this node */
  published: boolean;
  /** what this node measured with the pack's arms (every context): outcomes and mean quality */
  local?: { n: number; meanQ: number };
  /** what peers' digests say (the marketplace's rating: shrunk score, best arm's mean, n, peers) */
  network?: { score: number; mean: number; n: number; peers: number };
  /** this node's own signed rating */
  rating?: { stars: number; comment?: string; at: number };
}

export interface PatternDetail extends PatternSummary {
  /** the templates and the params with their allowed values, when the content is held */
  templates?: string[];
  paramSpecs?: Record<string, { values: string[]; default: string; description: string }>;
  /** how the install or publish check went */
  check?: PackCheck;
  /** said when something could not be found out (e.g. the pack could not be fetched to verify it) */
  note?: string;
}

/** Local quality per pack content id, from the learned arm statistics. */
export function localQuality(stats: ArmStats[]): Map<string, { n: number; meanQ: number }> {
  const sums = new Map<string, { n: number; sumQ: number }>();
  for (const s of stats) {
    const cid = parseArmKey(s.armKey)?.packCid;
    if (!cid || s.n <= 0) continue;
    const t = sums.get(cid) ?? { n: 0, sumQ: 0 };
    t.n += s.n;
    t.sumQ += s.sumQ;
    sums.set(cid, t);
  }
  return new Map([...sums].map(([cid, t]) => [cid, { n: t.n, meanQ: t.sumQ / t.n }]));
}

export interface SummaryContext {
  installed: ReadonlySet<string>;
  published: ReadonlySet<string>;
  local: Map<string, { n: number; meanQ: number }>;
  ratings: Map<string, PackRating>;
}

export function summarize(entry: PackEntry, ctx: SummaryContext, network?: NetworkRating): PatternSummary {
  const local = ctx.local.get(entry.cid);
  const own = ctx.ratings.get(entry.cid);
  // the index is the node's, shared by its tenants: `installed` is this tenant's to say; a pack
  // another tenant installed or published is known here as one announced on the network
  const sources = entry.sources.filter((s) => s !== 'installed' || ctx.installed.has(entry.cid));
  return {
    id: entry.cid,
    name: entry.name,
    version: entry.version,
    language: entry.language,
    kind: entry.kind,
    description: entry.description,
    license: entry.license,
    params: entry.params,
    sources: sources.length > 0 ? sources : ['announced'],
    publishers: [...entry.publishers],
    verified: entry.verified,
    installed: ctx.installed.has(entry.cid),
    published: ctx.published.has(entry.cid),
    ...(local ? { local: { n: local.n, meanQ: round(local.meanQ) } } : {}),
    ...(network
      ? {
          network: {
            score: round(network.score),
            mean: round(network.mean),
            n: round(network.n),
            peers: network.peers,
          },
        }
      : {}),
    ...(own
      ? { rating: { stars: own.stars, ...(own.comment ? { comment: own.comment } : {}), at: own.timestamp } }
      : {}),
  };
}

export const summarizeHit = (hit: SearchHit, ctx: SummaryContext) => summarize(hit.entry, ctx, hit.rating);

const round = (x: number) => Math.round(x * 1000) / 1000;

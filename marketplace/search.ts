import type { PackEntry, PackSource } from './pack-index.js';
import { type PackRating, SHRINK } from './ratings.js';

export interface SearchQuery {
  /** exact language, e.g. 'typescript' */
  language?: string;
  /** template or prompt; a pack known only from its announcement (kind not yet known) matches either */
  kind?: string;
  /** substring of the pack name (case-insensitive) */
  name?: string;
  /** every word must appear in the name or the description (case-insensitive) */
  text?: string;
  source?: PackSource;
  /** only packs whose content was checked here */
  verified?: boolean;
  /** default 50, at most 500 */
  limit?: number;
}

export interface SearchHit {
  entry: PackEntry;
  /** the network's rating, when peers reported on the pack */
  rating?: PackRating;
  /** what the hits are ranked by: the rating's shrunk score, 0.5 when unrated */
  score: number;
}

export const MAX_SEARCH_LIMIT = 500;

export function matches(e: PackEntry, q: SearchQuery): boolean {
  if (q.language && e.language !== q.language) return false;
  if (q.kind && e.kind && e.kind !== q.kind) return false;
  if (q.name && !e.name.toLowerCase().includes(q.name.toLowerCase())) return false;
  if (q.source && !e.sources.includes(q.source)) return false;
  if (q.verified !== undefined && e.verified !== q.verified) return false;
  if (q.text) {
    const hay = `${e.name}\n${e.description}\n${e.language}`.toLowerCase();
    for (const word of q.text.toLowerCase().split(/\s+/).filter(Boolean))
      if (!hay.includes(word)) return false;
  }
  return true;
}

const SOURCE_RANK: Record<PackSource, number> = { builtin: 0, installed: 1, announced: 2 };

/**
 * Best rated first. An unrated pack scores 0.5, the same neutral value ratings shrink toward, so
 * one glowing report does not outrank a pack many peers rated well, and a pack peers rated badly
 * sinks below the unknown ones. Ties: verified, then local, then name, newest version, id.
 */
export function rank(
  entries: Iterable<PackEntry>,
  q: SearchQuery,
  ratingOf: (cid: string) => PackRating | undefined = () => undefined,
): SearchHit[] {
  const limit = Math.max(0, Math.min(MAX_SEARCH_LIMIT, Math.floor(q.limit ?? 50)));
  const hits: SearchHit[] = [];
  for (const entry of entries) {
    if (!matches(entry, q)) continue;
    const rating = ratingOf(entry.cid);
    hits.push({ entry, ...(rating ? { rating } : {}), score: rating?.score ?? SHRINK.mean });
  }
  const best = (e: PackEntry) => Math.min(...e.sources.map((s) => SOURCE_RANK[s]));
  hits.sort(
    (a, b) =>
      b.score - a.score ||
      Number(b.entry.verified) - Number(a.entry.verified) ||
      best(a.entry) - best(b.entry) ||
      cmp(a.entry.name, b.entry.name) ||
      compareVersions(b.entry.version, a.entry.version) ||
      cmp(a.entry.cid, b.entry.cid),
  );
  return hits.slice(0, limit);
}

/** Semver order, enough for ranking: numeric major.minor.patch, a pre-release before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(v);
    return m ? { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] } : { nums: [0, 0, 0], pre: v };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i] - y.nums[i];
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return cmp(x.pre, y.pre);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

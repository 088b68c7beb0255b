import { type Rejected, reject } from './errors.js';
import type { Pack } from './pack.js';
import { clip } from './pack-codec.js';
import { packCid } from './pack-id.js';
import type { PackRating } from './ratings.js';
import { rank, type SearchHit, type SearchQuery } from './search.js';

/** Where the node knows a pack from: shipped with it, installed in its home, or announced by a peer. */
export type PackSource = 'builtin' | 'installed' | 'announced';

export interface PackEntry {
  cid: string;
  name: string;
  version: string;
  language: string;
  /** template | prompt; '' while only announced (announcements do not say) */
  kind: string;
  description: string;
  license: string;
  /** param names, for display */
  params: string[];
  sources: PackSource[];
  /** peers that announced it (sorted, at most maxPublishers) */
  publishers: string[];
  /**
   * The content was checked here (a local pack, or fetched and verified). Otherwise only name and
   * version are vouched for (signed by the publisher); language and description are its claim.
   */
  verified: boolean;
  firstSeen: number;
  lastSeen: number;
}

/** An announcement whose signature the caller has verified, plus the metadata it claims. */
export interface AnnouncedPack {
  cid: string;
  name: string;
  version: string;
  publisher: string;
  language?: string;
  description?: string;
  license?: string;
}

export interface PackIndexInit {
  /** entries known only from announcements (default 5000); past it the least recently seen goes */
  maxAnnounced?: number;
  /** publishers remembered per pack (default 32) */
  maxPublishers?: number;
  now?: () => number;
}

export interface PackIndex {
  /** A pack whose content this node holds (a built-in, an installed or a fetched and verified one). */
  addPack(pack: Pick<Pack, 'manifest' | 'templates'>, source: PackSource, publisher?: string): PackEntry;
  /** A peer's announcement (signature verified by the caller): indexed as unverified until fetched. */
  addAnnouncement(a: AnnouncedPack): { ok: true; entry: PackEntry } | Rejected;
  get(cid: string): PackEntry | undefined;
  list(): PackEntry[];
  /** Drops one source of a pack (or all); the entry goes when no source is left. */
  remove(cid: string, source?: PackSource): boolean;
  search(query: SearchQuery, ratingOf?: (cid: string) => PackRating | undefined): SearchHit[];
  readonly size: number;
}

const LANGUAGES = new Set(['typescript', 'python', 'go', 'rust', 'java']);
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
const ORDER: PackSource[] = ['builtin', 'installed', 'announced'];

export function createPackIndex(init: PackIndexInit = {}): PackIndex {
  const maxAnnounced = init.maxAnnounced ?? 5000;
  const maxPublishers = init.maxPublishers ?? 32;
  const now = init.now ?? Date.now;
  const entries = new Map<string, PackEntry>();

  const withSource = (e: PackEntry, s: PackSource) =>
    e.sources.includes(s) ? e.sources : ORDER.filter((x) => x === s || e.sources.includes(x));
  const withPublisher = (e: PackEntry | undefined, p: string | undefined) => {
    const list = e?.publishers ?? [];
    if (!p || list.includes(p) || list.length >= maxPublishers) return list;
    return [...list, p].sort();
  };

  function evictAnnounced() {
    const announcedOnly = [...entries.values()].filter((e) => !e.verified);
    if (announcedOnly.length <= maxAnnounced) return;
    announcedOnly.sort((a, b) => a.lastSeen - b.lastSeen || (a.cid < b.cid ? -1 : 1));
    for (const e of announcedOnly.slice(0, announcedOnly.length - maxAnnounced)) entries.delete(e.cid);
  }

  return {
    addPack(pack, source, publisher) {
      const cid = packCid({ manifest: pack.manifest, templates: pack.templates });
      const prev = entries.get(cid);
      const m = pack.manifest;
      const t = now();
      const entry: PackEntry = {
        cid,
        name: m.name,
        version: m.version,
        language: m.language,
        kind: m.kind,
        description: m.description,
        license: m.license,
        params: Object.keys(m.params).sort(),
        sources: prev ? withSource(prev, source) : [source],
        publishers: withPublisher(prev, publisher),
        verified: true,
        firstSeen: prev?.firstSeen ?? t,
        lastSeen: t,
      };
      entries.set(cid, entry);
      return entry;
    },

    addAnnouncement(a) {
      if (typeof a?.cid !== 'string' || a.cid.length > 200 || typeof a.publisher !== 'string')
        return reject('bad-announcement', 'announcement needs a cid and a publisher');
      if (typeof a.name !== 'string' || !NAME.test(a.name))
        return reject(
          'bad-announcement',
          `announced name ${JSON.stringify(clip(String(a.name), 64))} is not a pack name`,
        );
      if (typeof a.version !== 'string' || !VERSION.test(a.version) || a.version.length > 64)
        return reject('bad-announcement', 'announced version is not semver');
      if (a.language !== undefined && !LANGUAGES.has(a.language))
        return reject(
          'bad-announcement',
          `announced language ${JSON.stringify(clip(String(a.language), 32))} is not supported`,
        );
      if (a.description !== undefined && typeof a.description !== 'string')
        return reject('bad-announcement', 'announced description must be text');
      const t = now();
      const prev = entries.get(a.cid);
      // a verified entry keeps its checked metadata; an unverified one keeps the first claim
      const entry: PackEntry = prev
        ? {
            ...prev,
            sources: withSource(prev, 'announced'),
            publishers: withPublisher(prev, a.publisher),
            lastSeen: t,
          }
        : {
            cid: a.cid,
            name: a.name,
            version: a.version,
            language: a.language ?? '',
            kind: '',
            description: clip(a.description ?? '', 2000),
            license: typeof a.license === 'string' ? clip(a.license, 100) : '',
            params: [],
            sources: ['announced'],
            publishers: withPublisher(undefined, a.publisher),
            verified: false,
            firstSeen: t,
            lastSeen: t,
          };
      entries.set(a.cid, entry);
      evictAnnounced();
      return entries.has(a.cid)
        ? { ok: true, entry }
        : reject('bad-announcement', 'index full of more recent announcements');
    },

    get: (cid) => entries.get(cid),
    list: () => [...entries.values()].sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0)),

    remove(cid, source) {
      const e = entries.get(cid);
      if (!e) return false;
      const sources = source ? e.sources.filter((s) => s !== source) : [];
      if (sources.length === e.sources.length) return false;
      if (sources.length === 0) entries.delete(cid);
      else entries.set(cid, { ...e, sources });
      return true;
    },

    search: (query, ratingOf) => rank(entries.values(), query, ratingOf),

    get size() {
      return entries.size;
    },
  };
}

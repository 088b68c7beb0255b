import { packFromBytes } from '../../marketplace/index.js';
import { isPackCid, sign } from '../../protocols/index.js';
import { toLanguage } from '../generation/languages.js';
import type { Learning } from '../learning/index.js';
import type { Peering } from '../peering.js';
import type { Store } from '../storage/index.js';
import type { Validator } from '../validation/index.js';
import {
  type Holdings,
  type InstallResult,
  installFromNetwork,
  notFound,
  type PublishResult,
  publishFolder,
} from './acquire.js';
import type { CheckDeps, PackCheck } from './check.js';
import { builtinPacks, type Pack, PackError, PackErrorCode } from './index.js';
import { createPackStore, type InstalledRecord, type PackRating } from './store.js';
import {
  localQuality,
  type PatternDetail,
  type PatternSummary,
  type SummaryContext,
  summarize,
  summarizeHit,
} from './view.js';

export type { InstallResult, PublishResult } from './acquire.js';
export type { PatternDetail, PatternSummary } from './view.js';

/**
 * Pattern packs as a person reaches them (`weavergen pack ...`, /v1/patterns): search the
 * marketplace's index (built-in, installed, and announced by peers), show one, publish a pack
 * folder, install one from the network, rate one, list the installed ones. Publish and install
 * check the pack first (check.ts: render on the example registry in the render pool, compile with
 * its language's toolchain); an installed pack is kept in the home and offered to the optimizer
 * like a built-in one (installedPacks()).
 */
export interface PatternService {
  search(q: PatternQuery): Promise<PatternSummary[]>;
  show(id: string): Promise<PatternDetail>;
  publish(dir: string): Promise<PublishResult>;
  /** `providers`: peer ids to ask first (the publishers the index knows are asked too, then the DHT) */
  install(id: string, options?: { providers?: string[] }): Promise<InstallResult>;
  rate(id: string, stars: number, comment?: string): Promise<RateResult>;
  list(): Promise<PatternSummary[]>;
  /** the installed packs, decoded and checked: arms like the built-in ones */
  installedPacks(): Promise<Pack[]>;
}

export interface PatternQuery {
  text?: string;
  language?: string;
  kind?: string;
  limit?: number;
}

export interface RateResult {
  pattern: PatternSummary;
  rating: PackRating;
  /** where the rating went */
  note: string;
}

export interface PatternComponents {
  store: Store;
  peering: Peering;
  validator: Validator;
  learning: Learning;
  log: (m: string) => void;
  /** told of each rating made and each install done here (the node's live stream, node/collab) */
  onEvent?: (e: PatternEvent) => void;
}

/** A rating made on this node, a pack installed on it (`already`: it was installed or built in). */
export type PatternEvent =
  | { type: 'rating'; cid: string; name?: string; stars: number; comment?: string }
  | { type: 'pack-install'; cid: string; name: string; version: string; already: boolean; from?: string };

export interface PatternInit {
  toolTimeoutMs?: number;
  /** how long an install waits for providers (default 30 s) */
  fetchTimeoutMs?: number;
}

export async function createPatternService(
  components: PatternComponents,
  init: PatternInit = {},
): Promise<PatternService> {
  const { peering, log } = components;
  const tell = (e: PatternEvent) => {
    try {
      components.onEvent?.(e);
    } catch (err) {
      log(`pattern event listener failed: ${(err as Error)?.message ?? String(err)}`);
    }
  };
  const marketplace = peering.marketplace;
  const kept = createPackStore(components.store);
  const builtins = await builtinPacks();
  const builtinById = new Map(builtins.map((p) => [marketplace.packs.addPack(p, 'builtin').cid, p]));
  /** installed packs by content id (published here ones included) */
  const installed = new Map<string, { pack: Pack; record: InstalledRecord }>();
  for (const r of await kept.installed()) {
    const d = packFromBytes(new TextEncoder().encode(r.text), { cid: r.cid, origin: `installed:${r.cid}` });
    if (!d.ok) {
      log(`installed pack ${r.cid} not loaded: ${d.reason}: ${d.message}`);
      continue;
    }
    installed.set(r.cid, { pack: d.pack, record: r });
    marketplace.packs.addPack(d.pack, 'installed', r.announcement?.publisher);
  }
  // peers can fetch what this node holds; what it published is announced again
  void (async () => {
    for (const { pack, record } of installed.values()) {
      if (record.published) await peering.publishPack(pack).catch(() => peering.servePack(pack));
      else await peering.servePack(pack);
    }
  })().catch((e: Error) => {
    if (!/network is off|not started/i.test(e.message)) log(`installed packs not served: ${e.message}`);
  });

  const checkDeps = (): CheckDeps => ({ validator: components.validator, toolTimeoutMs: init.toolTimeoutMs });

  async function context(): Promise<SummaryContext> {
    const stats = await components.learning.allArmStats().catch(() => []);
    const ratings = new Map((await kept.ratings()).map((r) => [r.cid, r]));
    const published = new Set(
      [...installed.values()].filter((i) => i.record.published).map((i) => i.record.cid),
    );
    return { installed: new Set(installed.keys()), published, local: localQuality(stats), ratings };
  }

  /** A content id, or a name: the best-ranked pack of that name (installed first, newest version). */
  function resolve(id: string): string | undefined {
    if (isPackCid(id)) return id;
    const hits = marketplace
      .search({ name: id, limit: 500 })
      .filter((h) => h.entry.name === id)
      .sort(
        (a, b) =>
          Number(installed.has(b.entry.cid)) - Number(installed.has(a.entry.cid)) ||
          Number(b.entry.verified) - Number(a.entry.verified),
      );
    return hits[0]?.entry.cid;
  }

  const networkRating = (cid: string) => marketplace.ratings.packRatings().get(cid);

  async function summaryOf(cid: string, ctx?: SummaryContext): Promise<PatternSummary> {
    const entry = marketplace.packs.get(cid);
    if (!entry) throw notFound(cid, "not in this node's index");
    return summarize(entry, ctx ?? (await context()), networkRating(cid));
  }

  const holdings: Holdings = {
    marketplace,
    peering,
    kept,
    builtins,
    builtinById,
    installed,
    checkDeps,
    summaryOf: (cid) => summaryOf(cid),
    log,
    fetchTimeoutMs: init.fetchTimeoutMs ?? 30_000,
  };
  const inFlight = new Map<string, Promise<InstallResult>>();

  return {
    async search(q) {
      const language = q.language ? (toLanguage(q.language) ?? q.language) : undefined;
      const ctx = await context();
      return marketplace
        .search({
          ...(q.text ? { text: q.text } : {}),
          ...(language ? { language } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          limit: q.limit ?? 50,
        })
        .map((h) => summarizeHit(h, ctx));
    },

    async show(id) {
      const cid = resolve(id);
      if (!cid) throw notFound(id, 'no pack of that id or name is known here (pack search lists them)');
      let note: string | undefined;
      let pack = installed.get(cid)?.pack ?? builtinById.get(cid);
      if (!marketplace.packs.get(cid)?.verified) {
        // known from an announcement only: fetch it to verify it and read what it holds
        try {
          const got = await peering.fetchPack(cid, { timeoutMs: 10_000 });
          const v = await marketplace.receivePack(got.bytes, got.announcement, got.from);
          if (v.ok) pack = v.pack;
          else note = `the copy fetched from ${got.from} was refused: ${v.reason}`;
        } catch (e) {
          note = `not verified: its content could not be fetched (${(e as Error).message})`;
        }
      }
      const summary = await summaryOf(cid);
      const held = pack;
      return {
        ...summary,
        ...(held
          ? {
              templates: Object.keys(held.templates).sort(),
              paramSpecs: Object.fromEntries(
                Object.entries(held.manifest.params).map(([k, s]) => [
                  k,
                  { values: s.values, default: s.default, description: s.description },
                ]),
              ),
            }
          : {}),
        ...(installed.get(cid)?.record.check ? { check: installed.get(cid)?.record.check as PackCheck } : {}),
        ...(note ? { note } : {}),
      };
    },

    publish: (dir) => publishFolder(holdings, dir),

    async install(id, options = {}) {
      const cid = resolve(id);
      if (!cid) throw notFound(id, 'no pack of that id or name is known here (pack search lists them)');
      let running = inFlight.get(cid);
      if (!running) {
        running = installFromNetwork(holdings, cid, options.providers)
          .then((r) => {
            const { name, version } = r.pattern;
            tell({
              type: 'pack-install',
              cid,
              name,
              version,
              already: r.already,
              ...(r.from ? { from: r.from } : {}),
            });
            return r;
          })
          .finally(() => inFlight.delete(cid));
        inFlight.set(cid, running);
      }
      return running;
    },

    async rate(id, stars, comment) {
      if (!Number.isInteger(stars) || stars < 1 || stars > 5)
        throw new PackError(
          { code: PackErrorCode.BAD_PARAM, param: 'stars', value: String(stars).slice(0, 20) },
          `a rating is 1 to 5 stars, not ${String(stars).slice(0, 20)}`,
        );
      const cid = resolve(id);
      if (!cid || !marketplace.packs.get(cid))
        throw notFound(id, 'no pack of that id or name is known here (pack search lists them)');
      const key = await peering.peerKey();
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id');
      const unsigned = {
        v: 1 as const,
        type: 'rating' as const,
        cid,
        stars,
        ...(comment ? { comment: comment.slice(0, 1000) } : {}),
        rater: peerIdFromPrivateKey(key).toString(),
        timestamp: Date.now(),
      };
      const rating = (await sign('rating', unsigned, key)) as PackRating;
      await kept.rate(rating);
      const pattern = await summaryOf(cid);
      tell({
        type: 'rating',
        cid,
        name: pattern.name,
        stars,
        ...(unsigned.comment ? { comment: unsigned.comment } : {}),
      });
      return {
        pattern,
        rating,
        note: "signed with this node's peer key and kept in its home; shown by pack show and pack list (ratings are not gossiped yet: peers learn a pack's quality from digests)",
      };
    },

    async list() {
      const ctx = await context();
      return [...installed.keys()]
        .map((cid) => marketplace.packs.get(cid))
        .filter((e) => e !== undefined)
        .map((e) => summarize(e, ctx, networkRating(e.cid)))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? 1 : -1));
    },

    installedPacks: async () => [...installed.values()].map((i) => i.pack),
  };
}

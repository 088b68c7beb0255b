import { isWeaverError } from '../../errors/index.js';
import { clip, packFromBytes, packToBytes, signPack } from '../../marketplace/index.js';
import { isPackCid, type PatternAnnouncement, sign } from '../../protocols/index.js';
import { toLanguage } from '../generation/languages.js';
import type { Learning } from '../learning/index.js';
import type { Peering } from '../peering.js';
import type { Store } from '../storage/index.js';
import type { Validator } from '../validation/index.js';
import { type CheckDeps, checkPack, type PackCheck } from './check.js';
import { builtinPacks, loadPackDir, type Pack, PackError, PackErrorCode } from './index.js';
import { createPackStore, type InstalledRecord, MAX_INSTALLED, type PackRating } from './store.js';
import {
  localQuality,
  type PatternDetail,
  type PatternSummary,
  type SummaryContext,
  summarize,
  summarizeHit,
} from './view.js';

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

export interface PublishResult {
  pattern: PatternSummary;
  /** gossiped to peers now (false when the network is off here: it is announced at the next start) */
  announced: boolean;
  recipients: number;
  announcement: PatternAnnouncement;
  check: PackCheck;
  note?: string;
}

export interface InstallResult {
  pattern: PatternSummary;
  /** already installed (or built in): nothing was fetched */
  already: boolean;
  /** the peer it came from */
  from?: string;
  check?: PackCheck;
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
}

export interface PatternInit {
  toolTimeoutMs?: number;
  /** how long an install waits for providers (default 30 s) */
  fetchTimeoutMs?: number;
}

const HOUR = 3_600_000;

const notFound = (id: string, why: string) =>
  new PackError({ code: PackErrorCode.NOT_FOUND, pack: clip(id, 100) }, `no pack ${clip(id, 100)}: ${why}`);

export async function createPatternService(
  components: PatternComponents,
  init: PatternInit = {},
): Promise<PatternService> {
  const { peering, log } = components;
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

  const inFlight = new Map<string, Promise<InstallResult>>();

  async function install(cid: string, hints: string[] = []): Promise<InstallResult> {
    if (installed.has(cid) || builtinById.has(cid)) return { pattern: await summaryOf(cid), already: true };
    if (installed.size >= MAX_INSTALLED)
      throw new PackError(
        { code: PackErrorCode.TOO_LARGE, origin: 'install', limit: MAX_INSTALLED },
        `this node holds ${MAX_INSTALLED} installed packs, the most it keeps`,
      );
    const entry = marketplace.packs.get(cid);
    let fetched: Awaited<ReturnType<Peering['fetchPack']>>;
    const providers = [...new Set([...hints, ...(entry?.publishers ?? [])])];
    try {
      fetched = await peering.fetchPack(cid, {
        timeoutMs: init.fetchTimeoutMs ?? 30_000,
        ...(providers.length ? { providers } : {}),
      });
    } catch (e) {
      // a content id nobody announced and nobody provides is not found (the network's answer otherwise)
      if (!entry && !hints.length && isWeaverError(e) && e.code === 'NETWORK_PACK_UNAVAILABLE')
        throw notFound(cid, `no peer announced or provides it (${(e as Error).message})`);
      throw e;
    }
    // the one check again, through the marketplace: indexed as verified, charged to the sender if not
    const verified = await marketplace.receivePack(fetched.bytes, fetched.announcement, fetched.from);
    if (!verified.ok)
      throw new PackError(
        { code: PackErrorCode.REFUSED, pack: fetched.announcement.name, check: verified.reason },
        `pack ${cid} refused (${verified.reason}): ${verified.message}`,
      );
    const pack = verified.pack;
    const check = await checkPack(pack, checkDeps()).catch((e) => {
      log(`install of ${pack.manifest.name} ${cid} from ${fetched.from} refused: ${(e as Error).message}`);
      throw e;
    });
    const record: InstalledRecord = {
      cid,
      text: new TextDecoder().decode(fetched.bytes),
      announcement: fetched.announcement,
      published: false,
      at: Date.now(),
      from: fetched.from,
      check,
    };
    await kept.install(record);
    installed.set(cid, { pack, record });
    marketplace.packs.addPack(pack, 'installed', fetched.announcement.publisher);
    void peering.servePack(pack).catch(() => undefined);
    return { pattern: await summaryOf(cid), already: false, from: fetched.from, check };
  }

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

    async publish(dir) {
      const pack = await loadPackDir(dir);
      if (builtins.some((b) => b.manifest.name === pack.manifest.name))
        throw new PackError(
          { code: PackErrorCode.REFUSED, pack: pack.manifest.name, check: 'name' },
          `pack ${pack.manifest.name} has the name of a built-in pack; give it a name of its own`,
        );
      const check = await checkPack(pack, checkDeps());
      let announcement: PatternAnnouncement;
      let announced = false;
      let recipients = 0;
      let note: string | undefined;
      try {
        const a = await peering.publishPack(pack);
        announcement = a.announcement;
        announced = true;
        recipients = a.recipients;
        void a.provided.catch(() => false);
      } catch (e) {
        if (!(isWeaverError(e) && e.code === 'NETWORK_NOT_STARTED')) throw e;
        // signed the same way, kept, and announced when a node with the network starts on this home
        const now = Date.now();
        announcement = (await signPack(pack, await peering.peerKey(), now - (now % HOUR))).announcement;
        note =
          'the network is off here: the pack is signed and kept, and announced when `weavergen node start` runs on this home';
      }
      const cid = announcement.cid;
      const record: InstalledRecord = {
        cid,
        text: new TextDecoder().decode(packToBytes(pack)),
        announcement,
        published: true,
        at: Date.now(),
        check,
      };
      await kept.install(record);
      installed.set(cid, { pack: { ...pack, origin: `installed:${cid}` }, record });
      marketplace.packs.addPack(pack, 'installed', announcement.publisher);
      return {
        pattern: await summaryOf(cid),
        announced,
        recipients,
        announcement,
        check,
        ...(note ? { note } : {}),
      };
    },

    async install(id, options = {}) {
      const cid = resolve(id);
      if (!cid) throw notFound(id, 'no pack of that id or name is known here (pack search lists them)');
      let running = inFlight.get(cid);
      if (!running) {
        running = install(cid, options.providers).finally(() => inFlight.delete(cid));
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
      return {
        pattern: await summaryOf(cid),
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

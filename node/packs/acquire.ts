import { isWeaverError } from '../../errors/index.js';
import type { Marketplace } from '../../marketplace/index.js';
import { clip, packToBytes, signPack } from '../../marketplace/index.js';
import type { PatternAnnouncement } from '../../protocols/index.js';
import type { Peering } from '../peering.js';
import { type CheckDeps, checkPack, type PackCheck } from './check.js';
import { loadPackDir, type Pack, PackError, PackErrorCode } from './index.js';
import { type InstalledRecord, MAX_INSTALLED, type PackStore } from './store.js';
import type { PatternSummary } from './view.js';

/**
 * How a pack becomes this node's: published from a folder here, or installed from the network.
 * Both check it first (check.ts) and keep it in the home (store.ts); from then on it is an arm.
 */
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

/** What publish and install share with the pattern service (market.ts). */
export interface Holdings {
  marketplace: Marketplace;
  peering: Peering;
  kept: PackStore;
  builtins: Pack[];
  builtinById: Map<string, Pack>;
  /** installed packs by content id (published here ones included) */
  installed: Map<string, { pack: Pack; record: InstalledRecord }>;
  checkDeps(): CheckDeps;
  summaryOf(cid: string): Promise<PatternSummary>;
  log(m: string): void;
  fetchTimeoutMs: number;
}

const HOUR = 3_600_000;

export const notFound = (id: string, why: string) =>
  new PackError({ code: PackErrorCode.NOT_FOUND, pack: clip(id, 100) }, `no pack ${clip(id, 100)}: ${why}`);

/** Keeps a pack this node now holds: in the store, in memory (an arm), in the index. */
async function keep(h: Holdings, pack: Pack, record: InstalledRecord): Promise<void> {
  await h.kept.install(record);
  h.installed.set(record.cid, { pack: { ...pack, origin: `installed:${record.cid}` }, record });
  h.marketplace.packs.addPack(pack, 'installed', record.announcement?.publisher);
}

/**
 * Publishes a pack folder: loaded under the file rules, checked, signed with the node's peer key,
 * kept (an arm here), announced and provided when the network is on (else announced at the next
 * start of a node with the network on this home).
 */
export async function publishFolder(h: Holdings, dir: string): Promise<PublishResult> {
  const pack = await loadPackDir(dir);
  if (h.builtins.some((b) => b.manifest.name === pack.manifest.name))
    throw new PackError(
      { code: PackErrorCode.REFUSED, pack: pack.manifest.name, check: 'name' },
      `pack ${pack.manifest.name} has the name of a built-in pack; give it a name of its own`,
    );
  const check = await checkPack(pack, h.checkDeps());
  let announcement: PatternAnnouncement;
  let announced = false;
  let recipients = 0;
  let note: string | undefined;
  try {
    const a = await h.peering.publishPack(pack);
    announcement = a.announcement;
    announced = true;
    recipients = a.recipients;
    void a.provided.catch(() => false);
  } catch (e) {
    if (!(isWeaverError(e) && e.code === 'NETWORK_NOT_STARTED')) throw e;
    // signed the same way, kept, and announced when a node with the network starts on this home
    const now = Date.now();
    announcement = (await signPack(pack, await h.peering.peerKey(), now - (now % HOUR))).announcement;
    note =
      'the network is off here: the pack is signed and kept, and announced when `weavergen node start` runs on this home';
  }
  const cid = announcement.cid;
  await keep(h, pack, {
    cid,
    text: new TextDecoder().decode(packToBytes(pack)),
    announcement,
    published: true,
    at: Date.now(),
    check,
  });
  return {
    pattern: await h.summaryOf(cid),
    announced,
    recipients,
    announcement,
    check,
    ...(note ? { note } : {}),
  };
}

/**
 * Installs a pack by content id: fetched from its providers (`hints` first, then the publishers
 * the index knows, then the DHT) and verified by the network (the one check: hash, signature,
 * manifest against the announcement), verified again through the marketplace (indexed as
 * verified, a bad copy charged to its sender), checked in the sandbox, kept.
 */
export async function installFromNetwork(
  h: Holdings,
  cid: string,
  hints: string[] = [],
): Promise<InstallResult> {
  if (h.installed.has(cid) || h.builtinById.has(cid))
    return { pattern: await h.summaryOf(cid), already: true };
  if (h.installed.size >= MAX_INSTALLED)
    throw new PackError(
      { code: PackErrorCode.TOO_LARGE, origin: 'install', limit: MAX_INSTALLED },
      `this node holds ${MAX_INSTALLED} installed packs, the most it keeps`,
    );
  const entry = h.marketplace.packs.get(cid);
  const providers = [...new Set([...hints, ...(entry?.publishers ?? [])])];
  let fetched: Awaited<ReturnType<Peering['fetchPack']>>;
  try {
    fetched = await h.peering.fetchPack(cid, {
      timeoutMs: h.fetchTimeoutMs,
      ...(providers.length ? { providers } : {}),
    });
  } catch (e) {
    // a content id nobody announced and nobody provides is not found (the network's answer otherwise)
    if (!entry && !hints.length && isWeaverError(e) && e.code === 'NETWORK_PACK_UNAVAILABLE')
      throw notFound(cid, `no peer announced or provides it (${(e as Error).message})`);
    throw e;
  }
  const verified = await h.marketplace.receivePack(fetched.bytes, fetched.announcement, fetched.from);
  if (!verified.ok)
    throw new PackError(
      { code: PackErrorCode.REFUSED, pack: fetched.announcement.name, check: verified.reason },
      `pack ${cid} refused (${verified.reason}): ${verified.message}`,
    );
  const pack = verified.pack;
  const check = await checkPack(pack, h.checkDeps()).catch((e) => {
    h.log(`install of ${pack.manifest.name} ${cid} from ${fetched.from} refused: ${(e as Error).message}`);
    throw e;
  });
  await keep(h, pack, {
    cid,
    text: new TextDecoder().decode(fetched.bytes),
    announcement: fetched.announcement,
    published: false,
    at: Date.now(),
    from: fetched.from,
    check,
  });
  void h.peering.servePack(pack).catch(() => undefined);
  return { pattern: await h.summaryOf(cid), already: false, from: fetched.from, check };
}

import { z } from 'zod';
import { LIMITS, type PatternAnnouncement } from '../../protocols/index.js';
import type { Store } from '../storage/index.js';

/**
 * Packs kept in the home's store (sublevel `config`, keys `pack!...`):
 * - `pack!inst!<cid>`: an installed pack (fetched and checked, or published here): its bytes in the
 *   one pack format (UTF-8 text), the announcement it is known by, when and from where, the check;
 * - `pack!ann!<cid>`: a peer's announcement, so search finds packs announced while the node ran
 *   (bounded: MAX_ANNOUNCEMENTS, the oldest received go first; each at most LIMITS.patternBytes);
 * - `pack!rate!<cid>`: this node's signed rating of a pack (one per pack; a new one replaces it).
 * Values are re-validated when read: a store is a file on disk, not a promise.
 */
export const MAX_ANNOUNCEMENTS = 2000;
/** installed packs at most (each up to LIMITS.packBytes) */
export const MAX_INSTALLED = 200;

const INSTALLED = 'pack!inst!';
const ANNOUNCED = 'pack!ann!';
const RATING = 'pack!rate!';

export interface InstalledRecord {
  cid: string;
  /** the pack's bytes (the one format) as text */
  text: string;
  announcement?: PatternAnnouncement;
  /** published here (this node is its publisher) rather than fetched */
  published: boolean;
  at: number;
  /** the peer it was fetched from */
  from?: string;
  check?: unknown;
}

export interface AnnouncedRecord {
  announcement: PatternAnnouncement;
  at: number;
  /** the peer that relayed it */
  via?: string;
}

/** A person's rating of a pack, signed with the node's peer key (protocols signing, domain `rating`). */
export const PackRating = z.strictObject({
  v: z.literal(1),
  type: z.literal('rating'),
  cid: z.string().max(200),
  stars: z.int().min(1).max(5),
  comment: z.string().max(1000).optional(),
  rater: z.string().max(100),
  timestamp: z.int().min(0),
  sig: z.string().max(200),
});
export type PackRating = z.infer<typeof PackRating>;

const Installed = z.object({
  cid: z.string().max(200),
  text: z.string().max(LIMITS.packBytes),
  announcement: z.unknown().optional(),
  published: z.boolean(),
  at: z.number(),
  from: z.string().max(200).optional(),
  check: z.unknown().optional(),
});
const Announced = z.object({
  announcement: z.unknown(),
  at: z.number(),
  via: z.string().max(200).optional(),
});

export interface PackStore {
  installed(): Promise<InstalledRecord[]>;
  install(r: InstalledRecord): Promise<void>;
  announced(): Promise<AnnouncedRecord[]>;
  /** keeps a peer's announcement (the newest per content id), dropping the oldest past the bound */
  announce(r: AnnouncedRecord): Promise<void>;
  rating(cid: string): Promise<PackRating | undefined>;
  ratings(): Promise<PackRating[]>;
  rate(r: PackRating): Promise<void>;
}

export function createPackStore(store: Store, max = { announcements: MAX_ANNOUNCEMENTS }): PackStore {
  /** content id -> received at, oldest first; loaded on first use */
  let order: Map<string, number> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f);
    queue = next.catch(() => undefined);
    return next;
  };
  const announcedRows = async () =>
    (await store.scan<unknown>('config', { prefix: ANNOUNCED }))
      .map(([, v]) => Announced.safeParse(v))
      .filter((r) => r.success)
      .map((r) => r.data as AnnouncedRecord);

  return {
    async installed() {
      const rows = await store.scan<unknown>('config', { prefix: INSTALLED, limit: MAX_INSTALLED });
      return rows
        .map(([, v]) => Installed.safeParse(v))
        .filter((r) => r.success)
        .map((r) => r.data as InstalledRecord);
    },
    install: (r) => store.put('config', `${INSTALLED}${r.cid}`, r),
    announced: announcedRows,
    announce: (r) =>
      serial(async () => {
        if (!order) {
          const rows = await announcedRows();
          order = new Map(
            rows.sort((a, b) => a.at - b.at).map((x) => [x.announcement.cid, x.at] as [string, number]),
          );
        }
        const cid = r.announcement.cid;
        order.delete(cid);
        order.set(cid, r.at);
        const ops: Parameters<Store['batch']>[0] = [
          { type: 'put', sublevel: 'config', key: `${ANNOUNCED}${cid}`, value: r },
        ];
        while (order.size > max.announcements) {
          const oldest = order.keys().next().value as string;
          order.delete(oldest);
          ops.push({ type: 'del', sublevel: 'config', key: `${ANNOUNCED}${oldest}` });
        }
        await store.batch(ops);
      }),
    async rating(cid) {
      const r = PackRating.safeParse(await store.get('config', `${RATING}${cid}`));
      return r.success ? r.data : undefined;
    },
    async ratings() {
      return (await store.scan<unknown>('config', { prefix: RATING }))
        .map(([, v]) => PackRating.safeParse(v))
        .filter((r) => r.success)
        .map((r) => r.data);
    },
    rate: (r) => store.put('config', `${RATING}${r.cid}`, r),
  };
}

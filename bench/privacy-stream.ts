import { type Random, seededRandom } from '../node/optimizer/random.js';
import {
  type AnonymizedDigest,
  type Anonymizer,
  INITIAL_PRIVACY_STATE,
  type PrivacyState,
} from '../protocols/index.js';
import { type OutcomeEvent, type Project, RunningStats } from './privacy-projects.js';

/**
 * A project's digest stream: its outcome timeline replayed through the REAL anonymizer
 * (protocols/anonymizer.ts createAnonymizer) with one setting, each build given the statistics
 * accumulated so far, at the moments the node would try to publish while it runs. The noise (and the
 * random publish moments) come from seeded generators, so the stream is reproducible; the node's own
 * are the CSPRNG. Kept compactly: what an attacker sees (`at`, entry names, released n) and, beside it,
 * the truth (the entry's exact n when the digest was built).
 */

/** How a node runs its anonymizer: the "before" and "after" arms of the benchmark. */
export interface PrivacySettings {
  name: string;
  /** one line on what the settings are */
  text: string;
  anonymizer(random: Random): Anonymizer;
  /**
   * When the node tries to build a digest while it runs: 'interval' every epoch from the node's start
   * (today's setInterval in node/peering.ts); 'random-moment' once per epoch at a uniformly random
   * moment of it, a moment already past at start moving to the next epoch (everyEpochAtRandom).
   */
  schedule: 'interval' | 'random-moment';
  /** the digest's `at`: 'build' the build time to the second (today's anonymizer), 'digest' as the anonymizer dates it */
  at: 'build' | 'digest';
  /** epsilon per unit the anonymizer reports, in the accounting these settings are quoted in (default 1) */
  epsilonFactor?: number;
}

/** The moments a node running over `uptime` tries to publish, in order. */
export function publishMoments(
  uptime: readonly [number, number][],
  epochMs: number,
  schedule: PrivacySettings['schedule'],
  random: Random,
): number[] {
  const out: number[] = [];
  for (const [start, end] of uptime) {
    if (schedule === 'interval') {
      for (let t = start + epochMs; t < end; t += epochMs) out.push(t);
      continue;
    }
    for (let e = Math.floor(start / epochMs); ; e++) {
      const t = e * epochMs + 1 + Math.floor(random() * (epochMs - 1));
      if (t <= start) continue;
      if (t >= end) break;
      out.push(t);
    }
  }
  return out;
}

export interface Release {
  /** the digest's `at` field */
  at: number;
  /** when it was built (not sent: with `at` the epoch start, it says which key signed it) */
  builtAt: number;
  epoch: number;
  /** entry ids (Stream.names) released, their released n, and their exact n at build time */
  ids: number[];
  n: number[];
  truth: number[];
}

export interface Stream {
  /** entry id -> `${contextKey}\n${armKey}` */
  names: string[];
  releases: Release[];
  epochMs: number;
  /** the Laplace scale of a released n, as an attacker reads it off the digest (sensitivity / epsilon) */
  scale: number;
  /** epsilon spent over the period */
  spent: number;
  /** the first time a build was refused for budget, if any */
  exhaustedAt?: number;
  /** when the node started with its new key */
  keyChangeAt: number;
  /** the newest digest (what a node joining at the end of the period gets by catch-up) */
  latest?: AnonymizedDigest;
}

export function replay(
  project: Project,
  events: readonly OutcomeEvent[],
  settings: PrivacySettings,
  noiseSeed: number,
): Stream {
  const anonymizer = settings.anonymizer(seededRandom(noiseSeed));
  const factor = settings.epsilonFactor ?? 1;
  const stats = new RunningStats();
  const ids = new Map<string, number>();
  const names: string[] = [];
  const idOf = (name: string) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      ids.set(name, id);
    }
    return id;
  };
  const stream: Stream = {
    names,
    releases: [],
    epochMs: anonymizer.epochMs,
    scale: anonymizer.scale,
    spent: 0,
    keyChangeAt: project.keyChangeAt,
  };
  let state: PrivacyState = INITIAL_PRIVACY_STATE;
  let next = 0;
  const moments = publishMoments(
    project.uptime,
    anonymizer.epochMs,
    settings.schedule,
    seededRandom(noiseSeed + 1),
  );
  for (const t of moments) {
    while (next < events.length && events[next].t <= t) stats.add(events[next++]);
    const result = anonymizer.build(stats.snapshot(), { now: t, state });
    stream.spent += (result.cost ?? 0) * factor;
    if (!result.ok) {
      if (result.reason === 'budget-exhausted') stream.exhaustedAt ??= t;
      // a draw that released nothing is remembered and paid for
      state = result.state;
      continue;
    }
    state = result.state;
    const d = result.digest;
    stream.latest = d;
    const at = settings.at === 'build' ? Math.floor(t / 1000) * 1000 : d.at;
    const release: Release = { at, builtAt: t, epoch: d.epoch, ids: [], n: [], truth: [] };
    for (const e of d.entries) {
      release.ids.push(idOf(`${e.contextKey}\n${e.armKey}`));
      release.n.push(e.n);
      release.truth.push(stats.n(e.contextKey, e.armKey));
    }
    stream.releases.push(release);
  }
  return stream;
}

import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import {
  DIGEST_TOPIC,
  type Digest,
  ignore,
  PATTERN_TOPIC,
  type PatternAnnouncement,
  type ReplayGuard,
  reject,
  type ValidateOptions,
  type Verdict,
  validateDigest,
  validatePattern,
  verdictKey,
} from '../../protocols/index.js';
import type { Channel, Counters } from './counters.js';
import type { RateLimiter } from './rate-limit.js';

/** Where an accepted message came from: its author (signer) and the peer that relayed it to us. */
export interface MessageMeta {
  from: string;
  via: string;
  receivedAt: number;
}

export interface GossipDeps {
  pubsub: GossipSub;
  selfId: string;
  counters: Counters;
  digestReplay: ReplayGuard;
  patternReplay: ReplayGuard;
  limits: { perSource: RateLimiter; digestsPerAuthor: RateLimiter; patternsPerAuthor: RateLimiter };
  clock: () => number;
  validation: Pick<ValidateOptions, 'maxClockSkewMs'> & { digestMaxAgeMs?: number; patternMaxAgeMs?: number };
  acceptDigest(d: Digest, meta: MessageMeta): void;
  acceptPattern(a: PatternAnnouncement, meta: MessageMeta): void;
}

const RESULT = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
} as const;

/**
 * Topic validators for the two topics: every message is rate limited (per relaying peer, and per
 * author once valid), validated (protocols/validate.ts), counted by verdict, and answered with gossipsub's
 * Accept / Reject / Ignore, so gossipsub forwards only valid messages and penalizes the peers that
 * relay invalid ones. Nothing a peer sends can throw out of here.
 */
export function installGossip(deps: GossipDeps): () => void {
  const { pubsub, counters } = deps;

  async function check(
    topic: string,
    source: string,
    msg: Message,
  ): Promise<Verdict<Digest | PatternAnnouncement>> {
    if (msg.type !== 'signed') return reject('unsigned');
    const author = msg.from.toString();
    if (author === deps.selfId) return ignore('self');
    const now = deps.clock();
    if (!deps.limits.perSource.take(source, now)) return ignore('rate-limited', `relayed by ${source}`);
    const digest = topic === DIGEST_TOPIC;
    const options = {
      now,
      author,
      replay: digest ? deps.digestReplay : deps.patternReplay,
      maxClockSkewMs: deps.validation.maxClockSkewMs,
      maxAgeMs: digest ? deps.validation.digestMaxAgeMs : deps.validation.patternMaxAgeMs,
    };
    const verdict = digest
      ? await validateDigest(msg.data, options)
      : await validatePattern(msg.data, options);
    // an author's quota is spent by its new, valid messages only: replays of its old ones relayed
    // by someone else cannot use it up
    const quota = digest ? deps.limits.digestsPerAuthor : deps.limits.patternsPerAuthor;
    if (verdict.action === 'accept' && !quota.take(author, now))
      return ignore('rate-limited', `authored by ${author}`);
    return verdict;
  }

  const validator = (topic: string, channel: Channel) => async (propagationSource: PeerId, msg: Message) => {
    const source = propagationSource.toString();
    let verdict: Verdict<Digest | PatternAnnouncement>;
    try {
      verdict = await check(topic, source, msg);
    } catch {
      counters.count(channel, 'ignore:internal-error', source);
      return TopicValidatorResult.Ignore;
    }
    if (verdict.action !== 'accept') {
      counters.count(channel, verdictKey(verdict), source);
      return RESULT[verdict.action];
    }
    const meta: MessageMeta = {
      from: msg.type === 'signed' ? msg.from.toString() : source,
      via: source,
      receivedAt: deps.clock(),
    };
    counters.count(channel, 'accept', meta.from);
    try {
      if (topic === DIGEST_TOPIC) deps.acceptDigest(verdict.value as Digest, meta);
      else deps.acceptPattern(verdict.value as PatternAnnouncement, meta);
    } catch {
      counters.count(channel, 'error:delivery');
    }
    return TopicValidatorResult.Accept;
  };

  pubsub.topicValidators.set(DIGEST_TOPIC, validator(DIGEST_TOPIC, 'digests'));
  pubsub.topicValidators.set(PATTERN_TOPIC, validator(PATTERN_TOPIC, 'patterns'));
  pubsub.subscribe(DIGEST_TOPIC);
  pubsub.subscribe(PATTERN_TOPIC);
  return () => {
    pubsub.topicValidators.delete(DIGEST_TOPIC);
    pubsub.topicValidators.delete(PATTERN_TOPIC);
  };
}

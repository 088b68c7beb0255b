import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import {
  DIGEST_TOPIC,
  type Digest,
  ignore,
  PATTERN_TOPIC,
  type PatternAnnouncement,
  type ReplayGuard,
  type ValidateOptions,
  type Verdict,
  validateDigest,
  validatePattern,
  verdictKey,
} from '../../protocols/index.js';
import type { Channel, Counters } from './counters.js';
import { countGraylisted } from './graylist.js';
import type { RateLimiter } from './rate-limit.js';

/**
 * Where an accepted message came from: its author (the peer whose signature inside it verified) and
 * the peer that relayed it to us (what scoring and the per-peer rate limits judge).
 */
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

/** The peer that signed a message (checked by the validator): a digest's peer, an announcement's publisher. */
const authorOf = (m: Digest | PatternAnnouncement) => ('peer' in m ? m.peer : m.publisher);

const RESULT = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
} as const;

/**
 * Topic validators for the two topics: every message is rate limited (per relaying peer, and per
 * author, the signer inside the message, once valid), validated (protocols/validate.ts), counted by verdict, and answered with gossipsub's
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
    const now = deps.clock();
    if (!deps.limits.perSource.take(source, now)) return ignore('rate-limited', `relayed by ${source}`);
    const digest = topic === DIGEST_TOPIC;
    // gossip carries no author (StrictNoSign): the author is the peer that signed the message inside
    // (a digest's `peer`, an announcement's `publisher`), which the validator checks the signature of
    const options = {
      now,
      replay: digest ? deps.digestReplay : deps.patternReplay,
      maxClockSkewMs: deps.validation.maxClockSkewMs,
      maxAgeMs: digest ? deps.validation.digestMaxAgeMs : deps.validation.patternMaxAgeMs,
    };
    const verdict = digest
      ? await validateDigest(msg.data, options)
      : await validatePattern(msg.data, options);
    if (verdict.action !== 'accept') return verdict;
    const author = authorOf(verdict.value);
    if (author === deps.selfId) return ignore('self');
    // an author's quota is spent by its new, valid messages only: replays of its old ones relayed
    // by someone else cannot use it up
    const quota = digest ? deps.limits.digestsPerAuthor : deps.limits.patternsPerAuthor;
    if (!quota.take(author, now)) return ignore('rate-limited', `authored by ${author}`);
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
      from: authorOf(verdict.value),
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
  const uncount = countGraylisted(pubsub, counters);
  pubsub.subscribe(DIGEST_TOPIC);
  pubsub.subscribe(PATTERN_TOPIC);
  return () => {
    uncount();
    pubsub.topicValidators.delete(DIGEST_TOPIC);
    pubsub.topicValidators.delete(PATTERN_TOPIC);
  };
}

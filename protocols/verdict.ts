/**
 * What a validator says about an incoming message, in gossipsub's terms (and lodestar's habit):
 * accept (deliver and forward), reject (invalid: the sender is penalized) or ignore (not forwarded,
 * no penalty: duplicates, stale or future messages, rate limits). Every reject and ignore has a
 * reason from a closed list, so the network can count them.
 */
export const REJECT_REASONS = [
  'oversized',
  'malformed',
  'non-canonical',
  'wrong-version',
  'unsigned',
  'publisher-mismatch',
  'bad-signature',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const IGNORE_REASONS = ['replayed', 'future-dated', 'stale', 'rate-limited', 'self'] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

export type Verdict<T> =
  | { action: 'accept'; value: T }
  | { action: 'reject'; reason: RejectReason; detail?: string }
  | { action: 'ignore'; reason: IgnoreReason; detail?: string };

export const accept = <T>(value: T): Verdict<T> => ({ action: 'accept', value });
export const reject = <T>(reason: RejectReason, detail?: string): Verdict<T> => ({
  action: 'reject',
  reason,
  detail,
});
export const ignore = <T>(reason: IgnoreReason, detail?: string): Verdict<T> => ({
  action: 'ignore',
  reason,
  detail,
});

/** `reject:malformed`, `ignore:replayed`: the key under which a verdict is counted. */
export const verdictKey = (v: Verdict<unknown>) =>
  v.action === 'accept' ? 'accept' : `${v.action}:${v.reason}`;

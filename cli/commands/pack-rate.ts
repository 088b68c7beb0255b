import type { RateResult } from '../../node/packs/market.js';
import { EXIT, UsageError } from '../errors.js';
import { withSession } from '../session.js';
import { print, printJson } from './pack-render.js';

/** `weavergen pack rate <id> <1-5> [--comment]`: a rating signed with the node's peer key, kept in its home. */
export async function packRate(
  id: string,
  value: string,
  opts: { home?: string; comment?: string; json?: boolean },
): Promise<number> {
  if (!/^[1-5]$/.test(value.trim()))
    throw new UsageError(`a rating is a whole number from 1 to 5, got "${value}"`);
  const stars = Number(value.trim());
  const r = await withSession({ home: opts.home, command: 'weavergen pack rate' }, (s) =>
    s.api.post<RateResult>(`/v1/patterns/${encodeURIComponent(id)}/ratings`, {
      stars,
      ...(opts.comment ? { comment: opts.comment } : {}),
    }),
  );
  if (opts.json) {
    printJson(r);
    return EXIT.OK;
  }
  print(
    `rated ${r.pattern.name} ${r.pattern.version} ${stars}/5${opts.comment ? ` ("${opts.comment}")` : ''}, signed by ${r.rating.rater}`,
  );
  print(r.note);
  return EXIT.OK;
}

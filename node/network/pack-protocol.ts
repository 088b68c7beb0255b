import type { Libp2p, PeerId, Stream, StreamHandler } from '@libp2p/interface';
import { checkAnnouncement, verifyPack } from '../../marketplace/signature.js';
import {
  decodePackRequest,
  decodePackResponseHeader,
  encodeCanonical,
  LIMITS,
  PACK_PROTOCOL,
  type PackResponseHeader,
  type PatternAnnouncement,
  verdictKey,
  WIRE_VERSION,
} from '../../protocols/index.js';
import type { Pack } from '../packs/index.js';
import type { Counters } from './counters.js';
import { isNetworkError, NetworkError, NetworkErrorCode } from './errors.js';
import { frameReader, writeFrame } from './frames.js';
import type { RateLimiter } from './rate-limit.js';

/** A pack this node serves: its signed announcement and its encoded bytes. */
export interface ServedPack {
  announcement: PatternAnnouncement;
  bytes: Uint8Array;
}

export interface PackServerDeps {
  lookup(cid: string): ServedPack | undefined;
  counters: Counters;
  limiter: RateLimiter;
  /** whole exchange, request read to response written */
  timeoutMs: number;
}

/** frame failures that are the peer's doing (the others may be the network's) */
const REJECTED_FRAMES = new Set(['oversized', 'bad-length', 'truncated']);

const header = (h: Omit<PackResponseHeader, 'v' | 'type'>) =>
  encodeCanonical({ v: WIRE_VERSION, type: 'pack-response', ...h });

/**
 * Serves `/weavergen/pack/1.0.0`: one request frame `{cid}`, answered by a header frame (status and,
 * when found, the signed announcement) and the pack's bytes. Rate limited per peer, bounded in
 * time and size; a bad request is counted and answered, never thrown.
 */
export function packHandler(deps: PackServerDeps): StreamHandler {
  return async (stream: Stream, connection) => {
    const peer = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(deps.timeoutMs);
    try {
      if (!deps.limiter.take(peer)) {
        deps.counters.count('packs', 'ignore:rate-limited', peer);
        await writeFrame(stream, header({ status: 'rate-limited' }), signal);
        await stream.close({ signal });
        return;
      }
      const frame = await frameReader(stream, LIMITS.packRequestBytes).next(LIMITS.packRequestBytes, signal);
      const request = frame ? decodePackRequest(frame) : undefined;
      if (request?.action !== 'accept') {
        deps.counters.count('packs', request ? verdictKey(request) : 'reject:malformed', peer);
        await writeFrame(stream, header({ status: 'error', message: 'bad request' }), signal);
        await stream.close({ signal });
        return;
      }
      const served = deps.lookup(request.value.cid);
      deps.counters.count('packs', served ? 'serve:ok' : 'serve:not-found');
      if (!served) {
        await writeFrame(stream, header({ status: 'not-found' }), signal);
      } else {
        await writeFrame(stream, header({ status: 'ok', announcement: served.announcement }), signal);
        await writeFrame(stream, served.bytes, signal);
      }
      await stream.close({ signal });
    } catch (e) {
      const key = isNetworkError(e, NetworkErrorCode.FRAME_FAILED)
        ? `${REJECTED_FRAMES.has(e.type.reason) ? 'reject' : 'fail'}:${e.type.reason}`
        : 'error:serve';
      deps.counters.count('packs', key, peer);
      stream.abort(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

export interface FetchedPack {
  pack: Pack;
  announcement: PatternAnnouncement;
  bytes: Uint8Array;
  /** the peer it came from */
  from: string;
}

/** Why one provider's answer was not used (also the counted `packs:reject:<reason>` keys). */
const fetchFailed = (reason: string, message: string) =>
  new NetworkError({ code: NetworkErrorCode.FETCH_FAILED, reason }, message);

/**
 * Asks one peer for a pack and verifies everything it says: the header, the announcement's
 * signature and content id (before the body is read), the body's size, then the one pack check
 * (marketplace/signature.ts verifyPack: the bytes hash to the content id, decode to a valid pack,
 * and the manifest is what was announced). Throws a NetworkError FETCH_FAILED with a reason otherwise.
 */
export async function requestPack(
  libp2p: Libp2p,
  peer: PeerId,
  cid: string,
  signal: AbortSignal,
): Promise<FetchedPack> {
  let stream: Stream;
  try {
    stream = await libp2p.dialProtocol(peer, PACK_PROTOCOL, { signal });
  } catch (e) {
    throw fetchFailed(signal.aborted ? 'timeout' : 'dial-failed', (e as Error).message);
  }
  try {
    await writeFrame(stream, encodeCanonical({ v: WIRE_VERSION, type: 'pack-request', cid }), signal);
    await stream.close({ signal });
    const frames = frameReader(stream, LIMITS.packBytes);
    const head = await frames.next(LIMITS.packResponseHeaderBytes, signal);
    if (!head) throw fetchFailed('closed', 'no response');
    const verdict = decodePackResponseHeader(head);
    if (verdict.action !== 'accept') throw fetchFailed(verdict.reason, verdict.detail ?? verdict.reason);
    const h = verdict.value;
    if (h.status !== 'ok' || !h.announcement) throw fetchFailed(h.status, h.message ?? h.status);
    const a = h.announcement;
    if (a.cid !== cid) throw fetchFailed('announcement-mismatch', `announcement for ${a.cid}, asked ${cid}`);
    const signed = await checkAnnouncement(a);
    if (!signed.ok) throw fetchFailed(signed.reason, signed.message);
    const bytes = await frames.next(a.size, signal);
    if (!bytes) throw fetchFailed('closed', 'no pack bytes');
    if (bytes.byteLength !== a.size)
      throw fetchFailed('size-mismatch', `${bytes.byteLength} bytes, announced ${a.size}`);
    const checked = await verifyPack(bytes, a, { cid, origin: `peer:${peer.toString()}` });
    if (!checked.ok) throw fetchFailed(checked.reason, checked.message);
    return { pack: checked.pack, announcement: a, bytes, from: peer.toString() };
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)));
    if (isNetworkError(e, NetworkErrorCode.FETCH_FAILED)) throw e;
    if (isNetworkError(e, NetworkErrorCode.FRAME_FAILED)) throw fetchFailed(e.type.reason, e.message);
    throw fetchFailed(signal.aborted ? 'timeout' : 'stream-error', (e as Error).message);
  }
}

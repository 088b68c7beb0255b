import type { Stream } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import { isNetworkError, NetworkError, NetworkErrorCode } from './errors.js';

/**
 * Length-prefixed frames over a libp2p 3 stream (a message stream: `send` with back-pressure,
 * async iteration to read), every read and write bounded by a size cap and an abort signal.
 */
export interface FrameReader {
  /** the next frame, at most maxBytes; undefined when the remote closed its side */
  next(maxBytes: number, signal: AbortSignal): Promise<Uint8Array | undefined>;
}

/** A frame that could not be read: a NetworkError FRAME_FAILED with the reason. */
const frameFailed = (reason: 'oversized' | 'timeout' | 'closed', message: string) =>
  new NetworkError({ code: NetworkErrorCode.FRAME_FAILED, reason }, message);

export function frameReader(stream: Stream, hardMaxBytes: number): FrameReader {
  const frames = lp.decode(stream, { maxDataLength: hardMaxBytes });
  return {
    async next(maxBytes, signal) {
      if (signal.aborted) throw frameFailed('timeout', 'timed out');
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          const err = frameFailed('timeout', 'timed out reading a frame');
          stream.abort(err);
          reject(err);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      // when the deadline wins the race, the pending read still rejects later (the stream is
      // aborted): it must not become an unhandled rejection
      const pending = frames.next();
      pending.catch(() => undefined);
      try {
        const r = await Promise.race([pending, aborted]);
        if (r.done) return undefined;
        const bytes = r.value.subarray();
        if (bytes.byteLength > maxBytes)
          throw frameFailed('oversized', `frame of ${bytes.byteLength} bytes > ${maxBytes}`);
        return bytes;
      } catch (e) {
        if (isNetworkError(e, NetworkErrorCode.FRAME_FAILED)) throw e;
        if (/max.*length|too long|larger/i.test((e as Error).message))
          throw frameFailed('oversized', (e as Error).message);
        throw frameFailed('closed', (e as Error).message);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
        aborted.catch(() => undefined);
      }
    },
  };
}

export async function writeFrame(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(lp.encode.single(bytes))) await stream.onDrain({ signal });
}

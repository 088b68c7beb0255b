import type { Stream } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import { type FrameFailure, isNetworkError, NetworkError, NetworkErrorCode } from './errors.js';

/**
 * Length-prefixed frames over a libp2p 3 stream (a message stream: `send` with back-pressure,
 * async iteration to read), every read and write bounded by a size cap and an abort signal.
 */
export interface FrameReader {
  /** the next frame, at most maxBytes; undefined when the remote closed its side */
  next(maxBytes: number, signal: AbortSignal): Promise<Uint8Array | undefined>;
}

export interface FrameReaderOptions {
  /** longest silence (no byte at all) while a frame is awaited: past it the read fails as `stalled` */
  idleMs?: number;
}

/** A frame that could not be read: a NetworkError FRAME_FAILED with the reason. */
export const frameFailed = (reason: FrameFailure, message: string) =>
  new NetworkError({ code: NetworkErrorCode.FRAME_FAILED, reason }, message);

/** it-length-prefixed's errors, by name, to the reasons counted */
const DECODE_FAILURES: Record<string, FrameFailure> = {
  InvalidDataLengthError: 'oversized',
  InvalidDataLengthLengthError: 'bad-length',
  InvalidMessageLengthError: 'bad-length',
  UnexpectedEOFError: 'truncated',
};

/** why a read failed: the decoder's error, else the stream's (reset, aborted) */
function failureOf(e: unknown): NetworkError {
  if (isNetworkError(e, NetworkErrorCode.FRAME_FAILED)) return e;
  const err = e as Error;
  const reason =
    DECODE_FAILURES[err?.name] ??
    (/max.*length|too long|larger/i.test(err?.message) ? 'oversized' : 'closed');
  return frameFailed(reason, err?.message ?? String(e));
}

/** what a stream carries: bytes, or a list of byte arrays */
type Chunk = Parameters<Stream['send']>[0];

/**
 * The bytes a stream receives, until the remote ends its side (or the stream fails: thrown).
 * Unlike the stream's own async iterator, it also ends when the remote's end came before the
 * reading started (a peer that writes and closes at once): the events that say so fire only once,
 * so the state they leave is read as well.
 */
export async function* streamBytes(stream: Stream): AsyncGenerator<Chunk> {
  const queue: Chunk[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onMessage = (e: { data: Chunk }) => {
    queue.push(e.data);
    notify();
  };
  const onEnd = () => {
    ended = stream.readBufferLength === 0;
    notify();
  };
  const onClose = (e: { error?: Error }) => {
    if (e.error) failure = e.error;
    else if (stream.readBufferLength === 0) ended = true;
    notify();
  };
  stream.addEventListener('message', onMessage);
  stream.addEventListener('end', onEnd);
  stream.addEventListener('close', onClose);
  try {
    if (stream.status === 'aborted' || stream.status === 'reset')
      failure = new Error(`stream ${stream.status}`);
    // the remote's end may have come (and 'end' fired) with bytes still buffered: those are
    // delivered once a 'message' listener is there, then nothing more comes
    const over = () =>
      ended || (stream.readBufferLength === 0 && (stream.readableEnded || stream.status === 'closed'));
    for (;;) {
      const next = queue.shift();
      if (next) yield next;
      else if (failure) throw failure;
      else if (over()) return;
      else
        await new Promise<void>((r) => {
          wake = r;
        });
    }
  } finally {
    stream.removeEventListener('message', onMessage);
    stream.removeEventListener('end', onEnd);
    stream.removeEventListener('close', onClose);
  }
}

export function frameReader(
  stream: Stream,
  hardMaxBytes: number,
  options: FrameReaderOptions = {},
): FrameReader {
  // every chunk that arrives re-arms the idle timer of the read waiting for it
  let onBytes = () => {};
  async function* bytes() {
    for await (const chunk of streamBytes(stream)) {
      onBytes();
      yield chunk;
    }
  }
  const frames = lp.decode(bytes(), { maxDataLength: hardMaxBytes });
  return {
    async next(maxBytes, signal) {
      if (signal.aborted) throw frameFailed('timeout', 'timed out');
      let fail: ((e: NetworkError) => void) | undefined;
      const failed = new Promise<never>((_, reject) => {
        fail = (err) => {
          stream.abort(err);
          reject(err);
        };
      });
      const onAbort = () => fail?.(frameFailed('timeout', 'timed out reading a frame'));
      signal.addEventListener('abort', onAbort, { once: true });
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        if (options.idleMs === undefined) return;
        clearTimeout(idle);
        idle = setTimeout(
          () => fail?.(frameFailed('stalled', `no byte for ${options.idleMs} ms while reading a frame`)),
          options.idleMs,
        );
      };
      onBytes = arm;
      arm();
      // when a deadline wins the race, the pending read still rejects later (the stream is
      // aborted): it must not become an unhandled rejection
      const pending = frames.next();
      pending.catch(() => undefined);
      try {
        const r = await Promise.race([pending, failed]);
        if (r.done) return undefined;
        const frame = r.value.subarray();
        if (frame.byteLength > maxBytes)
          throw frameFailed('oversized', `frame of ${frame.byteLength} bytes > ${maxBytes}`);
        return frame;
      } catch (e) {
        throw failureOf(e);
      } finally {
        clearTimeout(idle);
        onBytes = () => {};
        signal.removeEventListener('abort', onAbort);
        failed.catch(() => undefined);
      }
    },
  };
}

export async function writeFrame(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(lp.encode.single(bytes))) await stream.onDrain({ signal });
}

import { WeaverError } from '../../errors/index.js';

export enum JobsErrorCode {
  /** no generation with that id in this node's store */
  GENERATION_NOT_FOUND = 'JOBS_GENERATION_NOT_FOUND',
  /** the path is not one of the files the generation wrote */
  FILE_NOT_FOUND = 'JOBS_FILE_NOT_FOUND',
  /** a file the generation wrote is no longer what was written there (removed, replaced, edited) */
  FILE_GONE = 'JOBS_FILE_GONE',
  /** the request's output folder cannot be written (not a folder, no permission, a pseudo file system) */
  BAD_OUT = 'JOBS_BAD_OUT',
  /** the request names a generator this node does not have */
  UNKNOWN_MODEL = 'JOBS_UNKNOWN_MODEL',
  /** the queue is full: try again after `retryAfterS` */
  BUSY = 'JOBS_BUSY',
  /** an Idempotency-Key already used with another request */
  IDEMPOTENCY_CONFLICT = 'JOBS_IDEMPOTENCY_CONFLICT',
}

export type JobsErrorType =
  | { code: JobsErrorCode.GENERATION_NOT_FOUND; id: string }
  | { code: JobsErrorCode.FILE_NOT_FOUND; id: string; path: string }
  | { code: JobsErrorCode.FILE_GONE; id: string; path: string }
  | { code: JobsErrorCode.BAD_OUT; out: string }
  | { code: JobsErrorCode.UNKNOWN_MODEL; model: string; available: string[] }
  | { code: JobsErrorCode.BUSY; queued: number; retryAfterS: number }
  | { code: JobsErrorCode.IDEMPOTENCY_CONFLICT; key: string };

export class JobsError extends WeaverError<JobsErrorType> {}

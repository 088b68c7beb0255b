import { WeaverError } from '../../errors/index.js';

export enum JobsErrorCode {
  /** no generation with that id in this node's store */
  GENERATION_NOT_FOUND = 'JOBS_GENERATION_NOT_FOUND',
  /** the path is not one of the files the generation wrote */
  FILE_NOT_FOUND = 'JOBS_FILE_NOT_FOUND',
  /** a file the generation wrote is no longer where it was written (removed, replaced by a link) */
  FILE_GONE = 'JOBS_FILE_GONE',
}

export type JobsErrorType =
  | { code: JobsErrorCode.GENERATION_NOT_FOUND; id: string }
  | { code: JobsErrorCode.FILE_NOT_FOUND; id: string; path: string }
  | { code: JobsErrorCode.FILE_GONE; id: string; path: string };

export class JobsError extends WeaverError<JobsErrorType> {}

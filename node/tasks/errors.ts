import { WeaverError } from '../../errors/index.js';

export enum TaskErrorCode {
  /** no model generator is configured and usable: the template engine cannot write free-form code */
  NO_MODELS = 'TASK_NO_MODELS',
  NO_TESTS = 'TASK_NO_TESTS',
  UNSUPPORTED_LANGUAGE = 'TASK_UNSUPPORTED_LANGUAGE',
  BAD_TESTS = 'TASK_BAD_TESTS',
  STOPPING = 'TASK_STOPPING',
  /** the queue is full: try again after `retryAfterS` */
  BUSY = 'TASK_BUSY',
  /** an empty or blank task description (refused alike with or without a node) */
  NO_DESCRIPTION = 'TASK_NO_DESCRIPTION',
}

export type TaskErrorType =
  | { code: TaskErrorCode.NO_MODELS }
  | { code: TaskErrorCode.NO_TESTS }
  | { code: TaskErrorCode.NO_DESCRIPTION }
  | { code: TaskErrorCode.UNSUPPORTED_LANGUAGE; language: string }
  /**
   * a test file whose path is not acceptable, given twice, or one the harness writes itself; or test
   * files that do not compile alone (`diagnostics`: their located errors, `file:line:col: message`)
   */
  | { code: TaskErrorCode.BAD_TESTS; path: string; diagnostics?: string[] }
  | { code: TaskErrorCode.STOPPING }
  | { code: TaskErrorCode.BUSY; queued: number; retryAfterS: number };

export class TaskError extends WeaverError<TaskErrorType> {}

export const isTaskError = (e: unknown): e is TaskError => e instanceof TaskError;

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
}

export type TaskErrorType =
  | { code: TaskErrorCode.NO_MODELS }
  | { code: TaskErrorCode.NO_TESTS }
  | { code: TaskErrorCode.UNSUPPORTED_LANGUAGE; language: string }
  /** a test file whose path is not acceptable, given twice, or one the harness writes itself */
  | { code: TaskErrorCode.BAD_TESTS; path: string }
  | { code: TaskErrorCode.STOPPING }
  | { code: TaskErrorCode.BUSY; queued: number; retryAfterS: number };

export class TaskError extends WeaverError<TaskErrorType> {}

export const isTaskError = (e: unknown): e is TaskError => e instanceof TaskError;

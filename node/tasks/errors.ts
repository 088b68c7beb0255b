export enum TaskErrorCode {
  /** no model generator is configured and usable: the template engine cannot write free-form code */
  NO_MODELS = 'TASK_NO_MODELS',
  NO_TESTS = 'TASK_NO_TESTS',
  UNSUPPORTED_LANGUAGE = 'TASK_UNSUPPORTED_LANGUAGE',
  BAD_TESTS = 'TASK_BAD_TESTS',
  STOPPING = 'TASK_STOPPING',
}

export class TaskError extends Error {
  override readonly name = 'TaskError';
  constructor(
    readonly code: TaskErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isTaskError = (e: unknown): e is TaskError => e instanceof TaskError;

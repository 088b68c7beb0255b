export enum LearningErrorCode {
  BAD_CONTEXT = 'LEARNING_BAD_CONTEXT',
}

export class LearningError extends Error {
  constructor(
    readonly code: LearningErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LearningError';
  }
}

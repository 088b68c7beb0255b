import { WeaverError } from '../../errors/index.js';

export enum LearningErrorCode {
  BAD_CONTEXT = 'LEARNING_BAD_CONTEXT',
}

export type LearningErrorType = { code: LearningErrorCode.BAD_CONTEXT; context: string };

export class LearningError extends WeaverError<LearningErrorType> {}

import { WeaverError } from '../../errors/index.js';

export enum OptimizerErrorCode {
  NO_ARMS = 'OPTIMIZER_NO_ARMS',
  BAD_K = 'OPTIMIZER_BAD_K',
}

export type OptimizerErrorType =
  | { code: OptimizerErrorCode.NO_ARMS; context: string }
  | { code: OptimizerErrorCode.BAD_K; k: number };

export class OptimizerError extends WeaverError<OptimizerErrorType> {}

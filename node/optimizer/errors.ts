export enum OptimizerErrorCode {
  NO_ARMS = 'OPTIMIZER_NO_ARMS',
  BAD_K = 'OPTIMIZER_BAD_K',
}

export class OptimizerError extends Error {
  constructor(
    readonly code: OptimizerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OptimizerError';
  }
}

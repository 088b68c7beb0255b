/**
 * WeaverGen's own span names and attribute keys (DESIGN.md's flow). Learning reads spans back by
 * these names, so they are the contract between telemetry and learning.
 */
export const SPAN = {
  generation: 'weavergen.generation',
  resolve: 'weavergen.registry.resolve',
  choose: 'weavergen.optimizer.choose',
  candidate: 'weavergen.candidate',
  validate: 'weavergen.validate',
  reasoning: 'weavergen.reasoning.iteration',
  task: 'weavergen.task',
  /** one model's answer to a task in one round, compiled and tested */
  taskCandidate: 'weavergen.task.candidate',
  consensus: 'weavergen.consensus',
  output: 'weavergen.output',
} as const;

export const ATTR = {
  generationId: 'weavergen.generation.id',
  language: 'weavergen.language',
  cached: 'weavergen.cache.hit',
  // context (what learning conditions on; never names, paths or content)
  contextKey: 'weavergen.context.key',
  contextLanguage: 'weavergen.context.language',
  contextGenerator: 'weavergen.context.generator',
  contextSize: 'weavergen.context.size_bucket',
  contextEnums: 'weavergen.context.has_enums',
  contextTemplates: 'weavergen.context.has_templates',
  contextDeprecated: 'weavergen.context.has_deprecated',
  contextMetrics: 'weavergen.context.has_metrics',
  // arm
  armKey: 'weavergen.arm.key',
  armPackId: 'weavergen.arm.pack.id',
  armPackName: 'weavergen.arm.pack.name',
  armParams: 'weavergen.arm.params',
  armParamsHash: 'weavergen.arm.params.hash',
  armModel: 'weavergen.arm.model',
  /** `first` or `correction` (a model's answer to feedback): learning and prediction keep them apart */
  attempt: 'weavergen.candidate.attempt',
  predicted: 'weavergen.quality.predicted',
  /** outcomes behind the prediction at its most specific level (0: the prior alone) */
  predictedN: 'weavergen.quality.predicted.n',
  // quality components
  quality: 'weavergen.quality.q',
  qCompiled: 'weavergen.quality.compiled',
  qCompleteness: 'weavergen.quality.completeness',
  qNaming: 'weavergen.quality.naming',
  qDocumentation: 'weavergen.quality.documentation',
  qDeprecation: 'weavergen.quality.deprecation',
  qWarnings: 'weavergen.quality.warnings',
  validationStatus: 'weavergen.validation.status',
  /** true when the request skipped the toolchain (`--no-validate`): learning takes no evidence from it */
  validationSkipped: 'weavergen.validation.skipped',
  validationErrors: 'weavergen.validation.errors',
  validationWarnings: 'weavergen.validation.warnings',
  symbolsExpected: 'weavergen.symbols.expected',
  symbolsFound: 'weavergen.symbols.found',
  // choice and consensus
  chosen: 'weavergen.optimizer.chosen',
  alternatives: 'weavergen.optimizer.alternatives',
  reason: 'weavergen.decision.reason',
  winner: 'weavergen.consensus.winner',
  files: 'weavergen.output.files',
  bytes: 'weavergen.output.bytes',
} as const;

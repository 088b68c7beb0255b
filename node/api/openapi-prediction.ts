import { fromZod, jsonContent, ref, type Schema } from './openapi-components.js';
import type { PathHelpers } from './openapi-patterns.js';
import { PredictionBodySchema } from './schemas.js';

/** Predictive pre-generation, on and off at run time (routes/prediction.ts). */
export const PREDICTION_COMPONENTS: Record<string, Schema> = {
  PredictionInput: fromZod(PredictionBodySchema),
  Prediction: {
    type: 'object',
    required: ['enabled', 'source', 'watched', 'predicted', 'used', 'wasted', 'pending'],
    properties: {
      enabled: { type: 'boolean' },
      source: {
        enum: ['config', 'api'],
        description:
          "config: generation.predict.enabled (WEAVERGEN_PREDICT); api: a choice made with PUT /v1/prediction, stored in the tenant's store, which wins over the config",
      },
      watched: { type: 'integer', description: 'registry folders watched for changes' },
      predicted: { type: 'integer', description: 'generations run ahead' },
      used: { type: 'integer', description: 'predictions a later request was answered from' },
      wasted: { type: 'integer', description: 'predictions never used before the registry changed again' },
      pending: { type: 'integer', description: 'predictions not used yet' },
    },
  },
};

export function predictionPaths({ body, read, errors, write }: PathHelpers): Record<string, unknown> {
  return {
    '/v1/prediction': {
      get: read(
        "the tenant's predictive pre-generation: whether it is on, who said so, its counters",
        ref('Prediction'),
      ),
      put: {
        summary:
          'turn predictive pre-generation on or off for the tenant now (a developer); off clears its queue and stops watching registries, on watches a registry again from its next generation; kept across restarts',
        security: write,
        requestBody: body('PredictionInput'),
        responses: {
          '200': { description: 'the new state', content: jsonContent(ref('Prediction')) },
          ...errors(400, 401, 403, 413, 415, 429, 500, 503),
        },
      },
    },
  };
}

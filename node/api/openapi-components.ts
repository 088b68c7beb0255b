import { z } from 'zod';
import { ApiErrorCode } from './errors.js';
import { GenerateBodySchema, RegistryCheckBodySchema, TaskBodySchema } from './schemas.js';

/** The schemas of the OpenAPI document's components: request bodies from zod, responses written out. */
export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export function fromZod(schema: z.ZodType): Schema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Schema;
  return rest;
}

export const jsonContent = (schema: Schema) => ({ 'application/json': { schema } });

/** The 202 of a POST that queues work: its id and where to follow it. */
const accepted = (links: string[]): Schema => ({
  type: 'object',
  required: ['id', 'status', 'links'],
  properties: {
    id: { type: 'string' },
    status: { const: 'queued' },
    links: { type: 'object', properties: Object.fromEntries(links.map((l) => [l, { type: 'string' }])) },
  },
});

export const COMPONENTS: Record<string, Schema> = {
  RegistryCheckRequest: fromZod(RegistryCheckBodySchema),
  TaskRequest: fromZod(TaskBodySchema),
  TaskRecord: {
    type: 'object',
    description:
      "a task and what came of it; its decisions are at /v1/generations/{id}/chain like a generation's",
    properties: {
      id: { type: 'string' },
      kind: { const: 'task' },
      status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
      createdAt: { type: 'number' },
      startedAt: { type: 'number' },
      finishedAt: { type: 'number' },
      description: { type: 'string' },
      language: { type: 'string' },
      tests: { type: 'array', items: { type: 'string' } },
      result: {
        type: 'object',
        description:
          'candidates (model, files, compiled, passed, failed, total, q, history, usage, run), winner (index), winnerReason, agreement, rounds, decisions, usage',
      },
      error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: Object.values(ApiErrorCode) },
          message: { type: 'string' },
          details: { description: 'e.g. {issues: [{field, message}]} for bad input' },
        },
      },
    },
  },
  Probe: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['ok', 'stopping'] } },
    additionalProperties: false,
  },
  Health: {
    type: 'object',
    required: ['status', 'version', 'uptimeMs', 'home', 'generations', 'spans', 'rejected'],
    properties: {
      status: { type: 'string', enum: ['ok', 'stopping'] },
      version: { type: 'string' },
      uptimeMs: { type: 'number' },
      home: { type: 'string' },
      generations: {
        type: 'object',
        properties: {
          inFlight: { type: 'integer', description: 'queued or running' },
          ended: {
            type: 'object',
            description: 'generations that ended in this process, by final status, e.g. {"succeeded": 3}',
            additionalProperties: { type: 'integer' },
          },
        },
      },
      tasks: { type: 'object', properties: { inFlight: { type: 'integer' } } },
      predictions: {
        type: 'object',
        description:
          'predictive pre-generation: registries watched, generations run ahead (predicted), answered a later request (used), never did (wasted), not used yet (pending)',
        properties: {
          enabled: { type: 'boolean' },
          watched: { type: 'integer' },
          predicted: { type: 'integer' },
          used: { type: 'integer' },
          wasted: { type: 'integer' },
          pending: { type: 'integer' },
        },
      },
      spans: {
        type: 'object',
        properties: { exported: { type: 'integer' }, failed: { type: 'integer' }, otlp: { type: 'boolean' } },
      },
      rejected: {
        type: 'object',
        description:
          'rejected requests by reason (the lowercase error code), e.g. {"unauthorized": 2, "invalid_body": 5}',
        additionalProperties: { type: 'integer' },
      },
    },
  },
  Accepted: accepted(['self', 'events', 'decisions', 'spans']),
  TaskAccepted: accepted(['self', 'chain', 'spans']),
  CandidateSummary: {
    type: 'object',
    properties: {
      arm: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          packName: { type: 'string' },
          params: { type: 'object', additionalProperties: { type: 'string' } },
          model: { type: 'string' },
        },
      },
      q: { type: 'number', minimum: 0, maximum: 1 },
      status: { type: 'string' },
      summary: { type: 'string' },
      cached: { type: 'boolean' },
      spanId: { type: 'string' },
      error: { type: 'string' },
    },
  },
  LanguageOutcome: {
    type: 'object',
    properties: {
      language: { type: 'string' },
      context: { type: 'string' },
      winner: {
        allOf: [
          ref('CandidateSummary'),
          {
            type: 'object',
            properties: {
              components: {
                type: 'object',
                description:
                  'the quality components (compiled, completeness, naming, documentation, deprecation, warnings)',
              },
              files: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { path: { type: 'string' }, bytes: { type: 'integer' } },
                },
              },
            },
          },
        ],
      },
      candidates: { type: 'array', items: ref('CandidateSummary') },
      agreement: { type: 'number' },
      reason: { type: 'string' },
      outDir: { type: 'string' },
    },
  },
  GenerationRequest: fromZod(GenerateBodySchema),
  GenerationRecord: {
    type: 'object',
    required: ['id', 'status', 'request', 'createdAt', 'languages'],
    properties: {
      id: { type: 'string' },
      status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
      request: ref('GenerationRequest'),
      createdAt: { type: 'number' },
      startedAt: { type: 'number' },
      finishedAt: { type: 'number' },
      traceId: { type: 'string' },
      languages: { type: 'array', items: ref('LanguageOutcome') },
      error: { type: 'string' },
    },
  },
  GenerationEvent: {
    description: 'the data of each server-sent event; the event name is its `type`',
    oneOf: [
      {
        type: 'object',
        properties: { type: { const: 'status' }, id: { type: 'string' }, status: { type: 'string' } },
      },
      {
        type: 'object',
        properties: {
          type: { const: 'progress' },
          id: { type: 'string' },
          language: { type: 'string' },
          phase: { type: 'string' },
          detail: { type: 'string' },
        },
      },
      {
        type: 'object',
        properties: { type: { const: 'result' }, id: { type: 'string' }, record: ref('GenerationRecord') },
      },
    ],
  },
  DecisionRecord: {
    type: 'object',
    properties: {
      generationId: { type: 'string' },
      step: { type: 'string' },
      choice: { type: 'string' },
      alternatives: { type: 'array', items: { type: 'string' } },
      reason: { type: 'string' },
      evidence: { type: 'array', items: { type: 'string' }, description: 'span ids' },
      at: { type: 'number' },
    },
  },
  SpanRecord: {
    type: 'object',
    properties: {
      traceId: { type: 'string' },
      spanId: { type: 'string' },
      parentSpanId: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'integer' },
      startTime: { type: 'number', description: 'epoch ms' },
      endTime: { type: 'number' },
      durationMs: { type: 'number' },
      status: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } } },
      attributes: { type: 'object' },
      events: { type: 'array', items: { type: 'object' } },
    },
  },
  Diagnostic: {
    type: 'object',
    properties: {
      code: { type: 'string' },
      severity: { type: 'string', enum: ['error', 'warning'] },
      message: { type: 'string' },
      hint: { type: 'string' },
      location: {
        type: 'object',
        properties: { file: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' } },
      },
    },
  },
  RegistryCheckResult: {
    type: 'object',
    properties: {
      path: { type: 'string' },
      ok: { type: 'boolean' },
      errors: { type: 'integer' },
      warnings: { type: 'integer' },
      files: { type: 'integer' },
      attributes: { type: 'integer' },
      groups: { type: 'integer' },
      contentHash: { type: 'string' },
      diagnostics: { type: 'array', items: ref('Diagnostic') },
    },
  },
  Insights: {
    type: 'object',
    properties: {
      generatedAt: { type: 'string' },
      outcomes: { type: 'integer' },
      successThreshold: { type: 'number' },
      contexts: {
        type: 'array',
        items: { type: 'object' },
        description:
          'per context: generations, mean q, the best arms (with costUsd and qualityPerUsd when priced), promoted packs',
      },
      rules: { type: 'object', description: 'mined rules (support, confidence, lift) with their text' },
      correlations: { type: 'array', items: { type: 'object' } },
      promotions: { type: 'array', items: { type: 'object' } },
    },
  },
};

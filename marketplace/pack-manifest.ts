import { z } from 'zod';

/** A pack parameter: a closed set of allowed values and the default (so every variant is enumerable). */
export const ParamSpec = z.object({
  description: z.string().max(500).default(''),
  values: z.array(z.string().max(64)).min(1).max(32),
  default: z.string().max(64),
});

export const PackFile = z.object({
  template: z.string().min(1).max(200),
  /** Output path, itself a Liquid template over params (and `namespace` when `each: namespace`). */
  output: z.string().min(1).max(300),
  each: z.enum(['namespace']).optional(),
  /** Rendered only when every listed param has the given value. */
  when: z.record(z.string(), z.string()).optional(),
});

export const PackManifest = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes'),
    version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'semver, e.g. 1.0.0'),
    language: z.enum(['typescript', 'python', 'go', 'rust', 'java']),
    kind: z.enum(['template', 'prompt']).default('template'),
    description: z.string().max(2000),
    license: z.string().max(100),
    params: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), ParamSpec).default({}),
    files: z.array(PackFile).min(1).max(200),
    /** What the output should hold, for the symbol checks: rendered with params (e.g. `{{ params.stability }}`). */
    emits: z
      .object({
        stability: z.string().max(200).default('all'),
        deprecated: z.string().max(200).default('include'),
      })
      .default({ stability: 'all', deprecated: 'include' }),
  })
  .superRefine((m, ctx) => {
    for (const [name, p] of Object.entries(m.params)) {
      if (!p.values.includes(p.default))
        ctx.addIssue({
          code: 'custom',
          path: ['params', name, 'default'],
          message: `default "${p.default}" is not one of ${p.values.join(', ')}`,
        });
    }
  });

export type PackManifest = z.infer<typeof PackManifest>;
export type ParamSpec = z.infer<typeof ParamSpec>;

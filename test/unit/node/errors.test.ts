import { describe, expect, it } from 'vitest';
import { isWeaverError, WeaverError } from '../../../errors/index.js';
import { MarketplaceErrorCode } from '../../../marketplace/errors.js';
import { PackErrorCode } from '../../../marketplace/pack-errors.js';
import { ApiErrorCode } from '../../../node/api/errors.js';
import { CollabErrorCode } from '../../../node/collab/errors.js';
import { CLI_USAGE, ERROR_OUTCOMES, exitCodeOf, outcomeOf } from '../../../node/errors.js';
import { GenerationErrorCode } from '../../../node/generation/errors.js';
import { JobsErrorCode } from '../../../node/jobs/errors.js';
import { LearningErrorCode } from '../../../node/learning/errors.js';
import { ModelError, ModelErrorCode } from '../../../node/models/errors.js';
import { isNetworkError, NetworkError, NetworkErrorCode } from '../../../node/network/errors.js';
import { NodeErrorCode } from '../../../node/node-errors.js';
import { OptimizerErrorCode } from '../../../node/optimizer/errors.js';
import { PluginErrorCode } from '../../../node/plugins/errors.js';
import { SemconvError, SemconvErrorCode } from '../../../node/semconv/errors.js';
import { TaskError, TaskErrorCode } from '../../../node/tasks/errors.js';
import { TenancyErrorCode } from '../../../node/tenancy/errors.js';
import { ValidationErrorCode } from '../../../node/validation/errors.js';
import { WeaverForgeErrorCode } from '../../../node/weaver/errors.js';
import { EncodingErrorCode } from '../../../protocols/encoding.js';

/** Every part's code vocabulary: a code added to one of these without a table entry fails below. */
const PART_CODES = {
  SemconvErrorCode,
  GenerationErrorCode,
  PackErrorCode,
  MarketplaceErrorCode,
  LearningErrorCode,
  ModelErrorCode,
  NetworkErrorCode,
  OptimizerErrorCode,
  TaskErrorCode,
  ValidationErrorCode,
  EncodingErrorCode,
  JobsErrorCode,
  TenancyErrorCode,
  NodeErrorCode,
  WeaverForgeErrorCode,
  PluginErrorCode,
  CollabErrorCode,
};

/** The API's own codes predate the part prefixes and are part of its contract (clients switch on them). */
const UNPREFIXED = { ApiErrorCode, CliCode: { CLI_USAGE } };

describe('WeaverError subclasses', () => {
  it('keep their code, typed metadata, message, name and instanceof', () => {
    const e = new SemconvError({ code: SemconvErrorCode.NOT_FOUND, path: '/no/such' }, 'registry not found');
    expect(e).toBeInstanceOf(SemconvError);
    expect(e).toBeInstanceOf(WeaverError);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(TaskError);
    expect(isWeaverError(e)).toBe(true);
    expect(e.name).toBe('SemconvError');
    expect(e.code).toBe('SEMCONV_NOT_FOUND');
    expect(e.message).toBe('registry not found');
    expect(e.type.path).toBe('/no/such');
    expect(e.meta()).toEqual({ path: '/no/such' });
    expect(e.toObject()).toEqual({
      code: 'SEMCONV_NOT_FOUND',
      message: 'registry not found',
      path: '/no/such',
    });
  });

  it('keep the cause, and mutable metadata stays on the type', () => {
    const cause = new Error('socket hang up');
    const e = new ModelError(
      { code: ModelErrorCode.SERVER_ERROR, generator: 'openai:x', status: 502 },
      'boom',
      {
        cause,
      },
    );
    expect(e.cause).toBe(cause);
    e.type.usage = { inputTokens: 3, outputTokens: 4, costUsd: 0.5 };
    expect(e.toObject()).toMatchObject({
      code: 'MODELS_SERVER_ERROR',
      status: 502,
      usage: { inputTokens: 3 },
    });
  });

  it('a message defaults to the code; isNetworkError narrows by code', () => {
    const e: unknown = new NetworkError({ code: NetworkErrorCode.FETCH_FAILED, reason: 'bad-signature' });
    expect((e as NetworkError).message).toBe('NETWORK_FETCH_FAILED');
    expect(isNetworkError(e, NetworkErrorCode.PACK_REJECTED)).toBe(false);
    if (!isNetworkError(e, NetworkErrorCode.FETCH_FAILED)) throw new Error('expected FETCH_FAILED');
    expect(e.type.reason).toBe('bad-signature');
  });
});

describe('outcomeOf', () => {
  it('maps representative codes to their exit code and HTTP status', () => {
    const cases: [WeaverError, number, number][] = [
      [new SemconvError({ code: SemconvErrorCode.NOT_FOUND, path: 'x' }, 'not found'), 2, 404],
      [new SemconvError({ code: SemconvErrorCode.INVALID_REGISTRY, path: 'x', errors: 3 }), 1, 422],
      [new TaskError({ code: TaskErrorCode.NO_MODELS }, 'no models'), 2, 409],
      [new TaskError({ code: TaskErrorCode.STOPPING }), 2, 503],
      [new ModelError({ code: ModelErrorCode.RATE_LIMITED }), 2, 502],
      [new ModelError({ code: ModelErrorCode.INTERNAL }), 2, 500],
    ];
    for (const [e, exit, status] of cases)
      expect(outcomeOf(e)).toEqual({ exit, status, code: e.code, message: e.message });
    expect(exitCodeOf(GenerationErrorCode.TEMPLATE_PARSE)).toBe(1);
    expect(exitCodeOf(PackErrorCode.BAD_PARAM)).toBe(2);
    // a pack refused at publish or install, or with a path outside the one rule: the pack is at fault
    expect(ERROR_OUTCOMES[PackErrorCode.REFUSED]).toEqual({ exit: 1, status: 422 });
    expect(ERROR_OUTCOMES[PackErrorCode.UNSAFE_PATH]).toEqual({ exit: 1, status: 422 });
  });

  it('an unknown error, or a WeaverError of a code not in the table, is internal', () => {
    expect(outcomeOf(new TypeError('x is undefined'))).toEqual({
      exit: 2,
      status: 500,
      code: 'INTERNAL',
      message: 'x is undefined',
    });
    expect(outcomeOf('thrown string')).toMatchObject({ exit: 2, status: 500, code: 'INTERNAL' });
    expect(outcomeOf(new WeaverError({ code: 'SOMEONE_ELSES' }, 'm'))).toEqual({
      exit: 2,
      status: 500,
      code: 'SOMEONE_ELSES',
      message: 'm',
    });
    expect(exitCodeOf('toString')).toBe(2);
  });
});

describe('the outcome table', () => {
  it('has an entry for every code of every part, and nothing else', () => {
    const codes = Object.values({ ...PART_CODES, ...UNPREFIXED }).flatMap(
      (e) => Object.values(e) as string[],
    );
    for (const code of codes) {
      expect(ERROR_OUTCOMES, code).toHaveProperty([code]);
      const { exit, status } = ERROR_OUTCOMES[code as keyof typeof ERROR_OUTCOMES];
      expect([1, 2], code).toContain(exit);
      expect([400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429, 500, 502, 503], code).toContain(status);
    }
    expect(Object.keys(ERROR_OUTCOMES).sort()).toEqual([...codes].sort());
  });

  it('codes are globally unique and prefixed by their part', () => {
    const all = Object.values({ ...PART_CODES, ...UNPREFIXED }).flatMap((e) => Object.values(e) as string[]);
    expect(new Set(all).size).toBe(all.length);
    for (const [name, e] of Object.entries(PART_CODES)) {
      const prefixes = new Set(Object.values(e).map((c) => (c as string).split('_')[0]));
      expect(prefixes.size, name).toBe(1);
    }
  });
});

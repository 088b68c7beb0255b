import { WeaverError } from '../errors/index.js';
import { MarketplaceErrorCode } from '../marketplace/errors.js';
import { PackErrorCode } from '../marketplace/pack-errors.js';
import { EncodingErrorCode } from '../protocols/encoding.js';
import { ApiErrorCode } from './api/errors.js';
import { CollabErrorCode } from './collab/errors.js';
import { GenerationErrorCode } from './generation/errors.js';
import { JobsErrorCode } from './jobs/errors.js';
import { LearningErrorCode } from './learning/errors.js';
import { ModelErrorCode } from './models/errors.js';
import { NetworkErrorCode } from './network/errors.js';
import { NodeErrorCode } from './node-errors.js';
import { OptimizerErrorCode } from './optimizer/errors.js';
import { PluginErrorCode } from './plugins/errors.js';
import { SemconvErrorCode } from './semconv/errors.js';
import { TaskErrorCode } from './tasks/errors.js';
import { TenancyErrorCode } from './tenancy/errors.js';
import { ValidationErrorCode } from './validation/errors.js';
import { WeaverForgeErrorCode } from './weaver/errors.js';

/**
 * What a user-facing layer does with an error, by its code: the CLI's exit code and the API's HTTP
 * status. One table for every part, total over their codes: a code added to a part's enum without
 * an entry here does not compile.
 *
 * exit: 1 the user's input has problems (an invalid registry, a pack whose templates fail, a task's
 *         tests that are not acceptable);
 *       2 the command could not run (not found, bad option or parameter, unavailable, internal).
 * status: 400 bad parameter or input, 404 not found, 409 conflict (no models configured), 413 too
 *         large, 422 a registry or pack that is not valid, 502 an upstream model, provider or peer
 *         failed, 503 unavailable or stopping, 500 internal.
 */
export interface Outcome {
  exit: 1 | 2;
  status: 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503;
}

/** The command line's own code: a command used wrongly (bad option value, unknown language). */
export const CLI_USAGE = 'CLI_USAGE';

export type PartErrorCode =
  | SemconvErrorCode
  | GenerationErrorCode
  | PackErrorCode
  | MarketplaceErrorCode
  | LearningErrorCode
  | ModelErrorCode
  | NetworkErrorCode
  | OptimizerErrorCode
  | TaskErrorCode
  | ValidationErrorCode
  | EncodingErrorCode
  | JobsErrorCode
  | TenancyErrorCode
  | NodeErrorCode
  | WeaverForgeErrorCode
  | PluginErrorCode
  | ApiErrorCode
  | CollabErrorCode
  | typeof CLI_USAGE;

const PROBLEM_INPUT = { exit: 1, status: 400 } as const;
const INVALID = { exit: 1, status: 422 } as const;
const TOO_LARGE = { exit: 1, status: 413 } as const;
const BAD_PARAM = { exit: 2, status: 400 } as const;
const NOT_FOUND = { exit: 2, status: 404 } as const;
const CONFLICT = { exit: 2, status: 409 } as const;
const UPSTREAM = { exit: 2, status: 502 } as const;
const UNAVAILABLE = { exit: 2, status: 503 } as const;
const INTERNAL = { exit: 2, status: 500 } as const;

export const ERROR_OUTCOMES: Record<PartErrorCode, Outcome> = {
  // semconv: the registry
  [SemconvErrorCode.NOT_FOUND]: NOT_FOUND,
  /** a folder without any YAML is not a registry */
  [SemconvErrorCode.NO_FILES]: INVALID,
  [SemconvErrorCode.INVALID_REGISTRY]: INVALID,
  [SemconvErrorCode.DEPENDENCY_CYCLE]: INVALID,
  // a tenant naming another's folder as a dependency: as for naming it as the registry (PATH_OUTSIDE)
  [SemconvErrorCode.DEPENDENCY_OUTSIDE]: { exit: 2, status: 403 },
  /** FIFOs, devices, links that leave the folder, unreadable files: the registry is at fault */
  [SemconvErrorCode.FILES_REFUSED]: INVALID,
  /** a registry over its size limits or whose YAML aliases expand past theirs */
  [SemconvErrorCode.LIMIT_EXCEEDED]: INVALID,
  // weaver: a Weaver template set (registry generate)
  [WeaverForgeErrorCode.TARGET_NOT_FOUND]: NOT_FOUND,
  [WeaverForgeErrorCode.INVALID_CONFIG]: INVALID,
  [WeaverForgeErrorCode.FILTER_FAILED]: INVALID,
  [WeaverForgeErrorCode.TEMPLATE_FAILED]: INVALID,
  [WeaverForgeErrorCode.OUTPUT_ESCAPES]: INVALID,
  [WeaverForgeErrorCode.LIMIT_EXCEEDED]: TOO_LARGE,

  // generation: rendering a pack's templates
  [GenerationErrorCode.TEMPLATE_PARSE]: INVALID,
  [GenerationErrorCode.TEMPLATE_RENDER]: INVALID,
  /** a pack's templates that run past the sandbox or output limits: the pack is at fault */
  [GenerationErrorCode.LIMIT_EXCEEDED]: INVALID,
  [GenerationErrorCode.BAD_OUTPUT_PATH]: INVALID,
  [GenerationErrorCode.BAD_PARAM]: BAD_PARAM,

  // packs
  [PackErrorCode.NOT_FOUND]: NOT_FOUND,
  [PackErrorCode.INVALID_MANIFEST]: INVALID,
  [PackErrorCode.MISSING_TEMPLATE]: INVALID,
  [PackErrorCode.TOO_LARGE]: TOO_LARGE,
  [PackErrorCode.BAD_PARAM]: BAD_PARAM,
  /** a template path outside the one path rule: the pack is at fault */
  [PackErrorCode.UNSAFE_PATH]: INVALID,
  /** a pack refused at publish or install (bad bytes or signature, a hostile render, a failed compile) */
  [PackErrorCode.REFUSED]: INVALID,

  // marketplace (untrusted input comes back as Rejected verdicts, never as these)
  [MarketplaceErrorCode.INVALID_ARGUMENT]: BAD_PARAM,
  [MarketplaceErrorCode.SIGNING_FAILED]: INTERNAL,

  // learning and optimizer
  [LearningErrorCode.BAD_CONTEXT]: BAD_PARAM,
  /** the caller offered nothing to choose from: a bug of ours */
  [OptimizerErrorCode.NO_ARMS]: INTERNAL,
  [OptimizerErrorCode.BAD_K]: BAD_PARAM,

  // models
  /** the node's own models configuration (file or WEAVERGEN_MODELS), not the request */
  [ModelErrorCode.INVALID_CONFIG]: INTERNAL,
  [ModelErrorCode.NOT_CONFIGURED]: CONFLICT,
  [ModelErrorCode.UNREACHABLE]: UPSTREAM,
  [ModelErrorCode.MODEL_NOT_FOUND]: UPSTREAM,
  [ModelErrorCode.AUTH]: UPSTREAM,
  [ModelErrorCode.TIMEOUT]: UPSTREAM,
  [ModelErrorCode.RATE_LIMITED]: UPSTREAM,
  [ModelErrorCode.SERVER_ERROR]: UPSTREAM,
  [ModelErrorCode.BAD_REQUEST]: UPSTREAM,
  /** a registry item that does not fit the configured context window even alone */
  [ModelErrorCode.CONTEXT_TOO_SMALL]: { exit: 2, status: 413 },
  [ModelErrorCode.BAD_RESPONSE]: UPSTREAM,
  [ModelErrorCode.NO_CODE_BLOCKS]: UPSTREAM,
  [ModelErrorCode.NO_FILES]: UPSTREAM,
  [ModelErrorCode.BAD_OUTPUT_PATH]: UPSTREAM,
  [ModelErrorCode.DUPLICATE_FILE]: UPSTREAM,
  [ModelErrorCode.TRUNCATED]: UPSTREAM,
  [ModelErrorCode.REFUSED]: UPSTREAM,
  /** the caller's signal: the node stopping or the generation cancelled */
  [ModelErrorCode.CANCELLED]: UNAVAILABLE,
  /** a pack that cannot be used by that generator (kind, language, params, templates) */
  [ModelErrorCode.BAD_PACK]: INVALID,
  [ModelErrorCode.FALLBACK_EXHAUSTED]: UPSTREAM,
  [ModelErrorCode.INTERNAL]: INTERNAL,

  // network
  [NetworkErrorCode.NOT_STARTED]: UNAVAILABLE,
  /** the node's own peer key file */
  [NetworkErrorCode.BAD_PEER_KEY]: INTERNAL,
  [NetworkErrorCode.BAD_ADDRESS]: BAD_PARAM,
  [NetworkErrorCode.INVALID_CID]: BAD_PARAM,
  /** a pack of the user's that is too large to announce */
  [NetworkErrorCode.PACK_TOO_LARGE]: TOO_LARGE,
  [NetworkErrorCode.PACK_UNAVAILABLE]: UNAVAILABLE,
  /** this node's own digest fails its own validation */
  [NetworkErrorCode.INVALID_DIGEST]: INTERNAL,
  [NetworkErrorCode.PUBLISH_FAILED]: UNAVAILABLE,
  [NetworkErrorCode.FRAME_FAILED]: UPSTREAM,
  [NetworkErrorCode.PACK_REJECTED]: UPSTREAM,
  [NetworkErrorCode.FETCH_FAILED]: UPSTREAM,

  // tasks
  [TaskErrorCode.NO_MODELS]: CONFLICT,
  [TaskErrorCode.NO_TESTS]: BAD_PARAM,
  [TaskErrorCode.UNSUPPORTED_LANGUAGE]: BAD_PARAM,
  [TaskErrorCode.BAD_TESTS]: PROBLEM_INPUT,
  [TaskErrorCode.STOPPING]: UNAVAILABLE,
  [TaskErrorCode.BUSY]: { exit: 2, status: 429 },
  [TaskErrorCode.NO_DESCRIPTION]: BAD_PARAM,

  // validation: a file path that would leave the temp folder
  [ValidationErrorCode.UNSAFE_PATH]: BAD_PARAM,

  // protocols: a value with no canonical encoding is ours to never build
  [EncodingErrorCode.NOT_ENCODABLE]: INTERNAL,

  // jobs: generations and the files they wrote
  [JobsErrorCode.GENERATION_NOT_FOUND]: NOT_FOUND,
  [JobsErrorCode.FILE_NOT_FOUND]: NOT_FOUND,
  [JobsErrorCode.FILE_GONE]: { exit: 2, status: 410 },
  [JobsErrorCode.BAD_OUT]: BAD_PARAM,
  [JobsErrorCode.BUSY]: { exit: 2, status: 429 },
  [JobsErrorCode.IDEMPOTENCY_CONFLICT]: CONFLICT,
  [JobsErrorCode.UNKNOWN_MODEL]: BAD_PARAM,

  // tenants: roles, quotas, the folders a tenant may read
  [TenancyErrorCode.TENANT_NOT_FOUND]: NOT_FOUND,
  [TenancyErrorCode.TENANT_EXISTS]: CONFLICT,
  [TenancyErrorCode.BAD_INPUT]: BAD_PARAM,
  [TenancyErrorCode.TOKEN_NOT_FOUND]: NOT_FOUND,
  [TenancyErrorCode.FORBIDDEN]: { exit: 2, status: 403 },
  [TenancyErrorCode.QUOTA_EXCEEDED]: { exit: 2, status: 429 },
  [TenancyErrorCode.PATH_OUTSIDE]: { exit: 2, status: 403 },

  // collab: the shared annotations of generations and the live stream
  /** a write based on a version that is no longer current: the details carry the current state */
  [CollabErrorCode.ANNOTATION_CONFLICT]: CONFLICT,
  /** an annotation that is full (32 fields, 1,000 comments), or a value, text or author too long */
  [CollabErrorCode.ANNOTATION_LIMIT]: INVALID,
  [CollabErrorCode.COMMENT_NOT_FOUND]: NOT_FOUND,
  [CollabErrorCode.BAD_INPUT]: BAD_PARAM,
  [CollabErrorCode.TOO_MANY_SUBSCRIBERS]: { exit: 2, status: 429 },

  // the node and its home
  [NodeErrorCode.STOPPING]: UNAVAILABLE,
  [NodeErrorCode.HOME_LOCKED]: CONFLICT,
  [NodeErrorCode.HOME_MISSING]: NOT_FOUND,
  [NodeErrorCode.HOME_UNUSABLE]: INTERNAL,
  [NodeErrorCode.CONFIG_INVALID]: BAD_PARAM,
  [NodeErrorCode.NOT_RUNNING]: UNAVAILABLE,
  [NodeErrorCode.PORT_IN_USE]: CONFLICT,

  // plugins (node/plugins): the node's own configuration, found at its start, never a request's
  [PluginErrorCode.NOT_FOUND]: INTERNAL,
  [PluginErrorCode.LOAD_FAILED]: INTERNAL,
  [PluginErrorCode.API_MISMATCH]: INTERNAL,
  [PluginErrorCode.INVALID]: INTERNAL,
  /** a post-processor that failed on a language's files (the language's outcome says so) */
  [PluginErrorCode.FAILED]: INTERNAL,

  // the HTTP API's own rejections of a request (over HTTP the CLI exits by the same codes)
  [ApiErrorCode.UNAUTHORIZED]: { exit: 2, status: 401 },
  [ApiErrorCode.MALFORMED_JSON]: BAD_PARAM,
  [ApiErrorCode.INVALID_BODY]: BAD_PARAM,
  [ApiErrorCode.INVALID_QUERY]: BAD_PARAM,
  [ApiErrorCode.INVALID_PARAM]: BAD_PARAM,
  [ApiErrorCode.NOT_FOUND]: NOT_FOUND,
  [ApiErrorCode.ROUTE_NOT_FOUND]: NOT_FOUND,
  [ApiErrorCode.METHOD_NOT_ALLOWED]: { exit: 2, status: 405 },
  [ApiErrorCode.BODY_TOO_LARGE]: { exit: 2, status: 413 },
  [ApiErrorCode.UNSUPPORTED_MEDIA_TYPE]: { exit: 2, status: 415 },
  [ApiErrorCode.REGISTRY_UNREADABLE]: INVALID,
  [ApiErrorCode.NO_MODELS]: CONFLICT,
  [ApiErrorCode.UNAVAILABLE]: UNAVAILABLE,
  [ApiErrorCode.INTERNAL]: INTERNAL,
  [ApiErrorCode.RATE_LIMITED]: { exit: 2, status: 429 },
  [ApiErrorCode.BODY_ABORTED]: BAD_PARAM,

  [CLI_USAGE]: BAD_PARAM,
};

export interface ErrorOutcome {
  exit: 0 | 1 | 2;
  status: number;
  code: string;
  message: string;
}

/**
 * The exit code, HTTP status, code and message for an error: the table's entry for a WeaverError,
 * an internal error for anything else (a WeaverError of a code not in the table included).
 */
export function outcomeOf(e: unknown): ErrorOutcome {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof WeaverError) {
    const known = Object.hasOwn(ERROR_OUTCOMES, e.code);
    const outcome = known ? ERROR_OUTCOMES[e.code as PartErrorCode] : INTERNAL;
    return { exit: outcome.exit, status: outcome.status, code: e.code, message };
  }
  return { exit: INTERNAL.exit, status: INTERNAL.status, code: 'INTERNAL', message };
}

/** The CLI's exit code for an error code: the table's, 2 for a code it does not know. */
export function exitCodeOf(code: string): 1 | 2 {
  return Object.hasOwn(ERROR_OUTCOMES, code) ? ERROR_OUTCOMES[code as PartErrorCode].exit : INTERNAL.exit;
}

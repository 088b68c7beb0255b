import { WeaverError } from '../errors/index.js';

export enum PackErrorCode {
  NOT_FOUND = 'PACK_NOT_FOUND',
  INVALID_MANIFEST = 'PACK_INVALID_MANIFEST',
  MISSING_TEMPLATE = 'PACK_MISSING_TEMPLATE',
  TOO_LARGE = 'PACK_TOO_LARGE',
  BAD_PARAM = 'PACK_BAD_PARAM',
  /** a template path that breaks the one path rule (isSafePackPath) */
  UNSAFE_PATH = 'PACK_UNSAFE_PATH',
  /**
   * a pack that failed the checks of publish or install: its bytes or signature (from a peer), its
   * render on the example registry (a loop past the budget, huge output, an output path leaving the
   * folder, prototype access) or the compile of the result with its language's toolchain
   */
  REFUSED = 'PACK_REFUSED',
}

export type PackErrorType =
  /** no pack of that name or folder (`pack`), or no built-in pack for the language */
  | { code: PackErrorCode.NOT_FOUND; pack?: string; language?: string }
  /** pack.yaml is not YAML or fails the pack schema; `origin` is where the pack was loaded from */
  | { code: PackErrorCode.INVALID_MANIFEST; origin: string }
  | { code: PackErrorCode.MISSING_TEMPLATE; origin: string; template: string }
  /** over one of PACK_LIMITS (`limit`, its value); `template` when one template is too large */
  | { code: PackErrorCode.TOO_LARGE; origin: string; limit: number; template?: string }
  /** a param the pack does not have, or a value it does not allow */
  | { code: PackErrorCode.BAD_PARAM; param: string; pack?: string; value?: string }
  | { code: PackErrorCode.UNSAFE_PATH; origin: string; template: string }
  /** `check`: which check refused it (e.g. `render`, `compile`, `prototype-access`, `cid-mismatch`) */
  | { code: PackErrorCode.REFUSED; pack: string; check: string };

export class PackError extends WeaverError<PackErrorType> {}

import { WeaverError } from '../../errors/index.js';

export enum TenancyErrorCode {
  /** no tenant with that id on this node */
  TENANT_NOT_FOUND = 'TENANCY_TENANT_NOT_FOUND',
  /** a tenant with that id exists already */
  TENANT_EXISTS = 'TENANCY_TENANT_EXISTS',
  /** a tenant id, token name, role or quota that is not valid */
  BAD_INPUT = 'TENANCY_BAD_INPUT',
  /** no token with that id in the tenant */
  TOKEN_NOT_FOUND = 'TENANCY_TOKEN_NOT_FOUND',
  /** the caller's role or tenant does not allow this */
  FORBIDDEN = 'TENANCY_FORBIDDEN',
  /** a quota of the tenant is used up: try again after `retryAfterS` */
  QUOTA_EXCEEDED = 'TENANCY_QUOTA_EXCEEDED',
  /** a path a tenant named (registry, output) is outside the folders given to it */
  PATH_OUTSIDE = 'TENANCY_PATH_OUTSIDE',
}

export type TenancyErrorType =
  | { code: TenancyErrorCode.TENANT_NOT_FOUND; tenant: string }
  | { code: TenancyErrorCode.TENANT_EXISTS; tenant: string }
  | { code: TenancyErrorCode.BAD_INPUT; field: string }
  | { code: TenancyErrorCode.TOKEN_NOT_FOUND; tenant: string; token: string }
  | { code: TenancyErrorCode.FORBIDDEN; tenant: string; role?: string; needs?: string }
  | {
      code: TenancyErrorCode.QUOTA_EXCEEDED;
      tenant: string;
      quota: string;
      limit: number;
      used: number;
      retryAfterS: number;
    }
  | { code: TenancyErrorCode.PATH_OUTSIDE; tenant: string; path: string; roots: string[] };

export class TenancyError extends WeaverError<TenancyErrorType> {}

import type { ParsedToken } from '../format/token-string.js';
import type { Caller, ValidToken } from './caller.js';

/**
 * The one entry point for "is this token valid": request authentication, runtimeToken at
 * create and commit, and containerAuth's re-validation all come through here.
 */
export interface TokenValidator {
  validate(parsed: ParsedToken, opts?: { remoteClusterId?: string }): Promise<ValidToken | null>;
  /** A runtime token: v2 only, no 4th part (design.md §4). */
  validateRuntimeToken(raw: string): Promise<ValidToken | null>;
  /** A request's token; throws UNAUTHENTICATED for anything invalid. */
  authenticate(raw: string, opts?: { remoteClusterId?: string }): Promise<Caller>;
  /** The token has just been expired here (committed): no cached copy of it may pass any more. */
  forget(tokenUuid: string): void;
}

/** Asks a token's home cluster about it (design.md §7); null = invalid. */
export interface RemoteTokenValidator {
  validate(token: { uuid: string; secret: string }): Promise<ValidToken | null>;
}

import type { ValidToken } from '../core/caller.js';
import type { TokenValidator } from '../core/validator.js';
import { badInput } from '../errors.js';
import { parseRuntimeToken } from '../format/token-string.js';
import { clusterOf } from '../format/uuid.js';

/** Who a container runs as (design.md §3 commit step 1, design.md §4). */
export interface RuntimeIdentity {
  runtimeUserUuid: string;
  /** Sorted. */
  runtimeAuthScopes: string[];
  runtimeToken: string | null;
  runtimeTokenUuid: string | null;
}

export const RUNTIME_TOKEN_INVALID = 'Runtime token failed validation';
export const RUNTIME_TOKEN_USER_INACTIVE = "Runtime token's user is inactive";

/**
 * Whether a validated token may be a runtime token: its user must be active (design.md §4). An
 * inactive user's token may call only `me` itself, so a container must not run as it either.
 */
export function runtimeUserActive(valid: ValidToken): boolean {
  return valid.user.isActive;
}

/**
 * Validates a runtime token now (locally, or by its home cluster) and returns the identity it
 * gives; without one, the committing user with ["all"]. Never echoes the token.
 */
export async function resolveRuntimeIdentity(
  validator: TokenValidator,
  runtimeToken: string | null,
  committingUserUuid: string,
): Promise<RuntimeIdentity> {
  if (runtimeToken === null) {
    return {
      runtimeUserUuid: committingUserUuid,
      runtimeAuthScopes: ['all'],
      runtimeToken: null,
      runtimeTokenUuid: null,
    };
  }
  return identityOf(await validator.validateRuntimeToken(runtimeToken), runtimeToken);
}

/**
 * A runtime token whose row is in this cluster's own table (a well-formed v2 token of this
 * cluster), parsed; null for any other, which goes to the validator.
 */
export function localRuntimeToken(raw: string, clusterId: string) {
  const parsed = parseRuntimeToken(raw);
  return parsed && clusterOf(parsed.uuid) === clusterId ? { version: 2 as const, ...parsed } : null;
}

/** The identity a runtime token gives once validated (`valid`: null when it failed); throws BAD_USER_INPUT. */
export function identityOf(valid: ValidToken | null, runtimeToken: string): RuntimeIdentity {
  if (!valid) throw badInput('runtimeToken', RUNTIME_TOKEN_INVALID);
  if (!runtimeUserActive(valid)) throw badInput('runtimeToken', RUNTIME_TOKEN_USER_INACTIVE);
  return {
    runtimeUserUuid: valid.user.uuid,
    runtimeAuthScopes: [...valid.token.scopes].sort(),
    runtimeToken,
    runtimeTokenUuid: valid.token.uuid,
  };
}

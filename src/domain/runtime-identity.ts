import type { TokenValidator } from '../core/validator.js';
import { badInput } from '../errors.js';

/** Who a container runs as (design.md §3 commit step 1, design.md §4). */
export interface RuntimeIdentity {
  runtimeUserUuid: string;
  /** Sorted. */
  runtimeAuthScopes: string[];
  runtimeToken: string | null;
  runtimeTokenUuid: string | null;
}

export const RUNTIME_TOKEN_INVALID = 'Runtime token failed validation';

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
  const valid = await validator.validateRuntimeToken(runtimeToken);
  if (!valid) throw badInput('runtimeToken', RUNTIME_TOKEN_INVALID);
  return {
    runtimeUserUuid: valid.user.uuid,
    runtimeAuthScopes: [...valid.token.scopes].sort(),
    runtimeToken,
    runtimeTokenUuid: valid.token.uuid,
  };
}

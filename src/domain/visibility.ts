import type { Caller } from '../core/caller.js';
import type { ContainerState, Prisma } from '../generated/prisma/client.js';
import { isActive } from './container-state.js';

// Who may see what (design.md §2, §3, §5): admins see everything; users see themselves, their own
// tokens, their own container requests, and containers that one of their requests points at.
// An object outside these filters is NOT_FOUND, never FORBIDDEN.

export function userVisibleWhere(caller: Caller): Prisma.UserWhereInput {
  return caller.user.isAdmin ? {} : { uuid: caller.user.uuid };
}

export function tokenVisibleWhere(caller: Caller): Prisma.ApiClientAuthorizationWhereInput {
  return caller.user.isAdmin ? {} : { userUuid: caller.user.uuid };
}

export function containerRequestVisibleWhere(caller: Caller): Prisma.ContainerRequestWhereInput {
  return caller.user.isAdmin ? {} : { ownerUuid: caller.user.uuid };
}

/**
 * Also visible: a container to its generated token (while it has one) and to the runtime token
 * it runs or ran with, whoever's that is — so a container can act on itself and read the
 * result, also of the update that finishes it.
 */
export function containerVisibleWhere(caller: Caller): Prisma.ContainerWhereInput {
  if (caller.user.isAdmin) return {};
  return {
    OR: [
      { requests: { some: containerRequestVisibleWhere(caller) } },
      { authUuid: caller.token.uuid }, // authUuid is null outside LOCKED/RUNNING
      { runtimeTokenUuid: caller.token.uuid },
    ],
  };
}

/**
 * The container's own token for its self-updates (design.md §5): while it is LOCKED or RUNNING, its
 * generated token or its runtime token, plain or container-bound. Reading its secret mounts and
 * `currentContainer` need more: the token must be bound to it (Caller.containerUuid(), design.md §6).
 */
export function isOwnToken(
  c: { uuid: string; state: ContainerState; authUuid: string | null; runtimeTokenUuid: string | null },
  caller: Caller,
): boolean {
  // A container-bound 4th part names a container that owns the token by one of these two.
  const t = caller.token.uuid;
  return isActive(c.state) && (c.authUuid === t || c.runtimeTokenUuid === t);
}

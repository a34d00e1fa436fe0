import type { Caller } from '../auth/caller.js';
import type { Prisma } from '../generated/prisma/client.js';

// Who may see what (SPEC 2, 3, 5): admins see everything; users see themselves, their own
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

/** Also visible: a container to its own tokens (generated, or the runtime token it runs with). */
export function containerVisibleWhere(caller: Caller): Prisma.ContainerWhereInput {
  if (caller.user.isAdmin) return {};
  return {
    OR: [
      { requests: { some: containerRequestVisibleWhere(caller) } },
      { authUuid: caller.token.uuid },
      { runtimeTokenUuid: caller.token.uuid },
    ],
  };
}

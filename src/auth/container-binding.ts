import type { PrismaClient } from '../db/client.js';
import { ACTIVE_STATES, isActive } from '../domain/container-state.js';

/**
 * A container-bound token's 4th part (design.md §6): the named container must be LOCKED/RUNNING and
 * own the token (its generated token, or its runtime token — compared by the token's uuid, the
 * token itself having just been validated, so the secret column is not read). Returns the
 * container uuid; null when no container has that uuid (the 4th part is then ignored); false
 * when the container refuses the token.
 */
export async function checkBoundContainer(
  prisma: PrismaClient,
  tokenUuid: string,
  boundTo: string,
): Promise<string | null | false> {
  const c = await prisma.container.findUnique({
    where: { uuid: boundTo },
    select: { uuid: true, state: true, authUuid: true, runtimeTokenUuid: true },
  });
  if (!c) return null;
  const own = c.authUuid === tokenUuid || c.runtimeTokenUuid === tokenUuid;
  return isActive(c.state) && own ? c.uuid : false;
}

/** The LOCKED/RUNNING container whose generated token this is, if any. */
export async function containerOfGeneratedToken(
  prisma: PrismaClient,
  tokenUuid: string,
): Promise<string | null> {
  const c = await prisma.container.findFirst({
    where: { authUuid: tokenUuid, state: { in: [...ACTIVE_STATES] } },
    select: { uuid: true },
  });
  return c?.uuid ?? null;
}

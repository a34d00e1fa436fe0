import type { PrismaClient } from '../db/client.js';
import { ACTIVE_STATES, isActive } from '../domain/container-state.js';

/**
 * Which container a token belongs to (SPEC 6): the container named by a container-bound 4th
 * part, which must be LOCKED/RUNNING and own the token (its generated token, or its runtime
 * token — compared by the token's uuid, the token itself having just been validated, so the
 * secret column is not read); else the LOCKED/RUNNING container whose generated token it is.
 * Returns the container uuid, null for none, false when a named container refuses it.
 */
export async function bindContainer(prisma: PrismaClient, tokenUuid: string, boundTo: string | undefined): Promise<string | null | false> {
  if (boundTo) {
    const c = await prisma.container.findUnique({
      where: { uuid: boundTo },
      select: { uuid: true, state: true, authUuid: true, runtimeTokenUuid: true },
    });
    if (c) {
      const own = c.authUuid === tokenUuid || c.runtimeTokenUuid === tokenUuid;
      return isActive(c.state) && own ? c.uuid : false;
    }
    // A 4th part naming no container is ignored.
  }
  const c = await prisma.container.findFirst({
    where: { authUuid: tokenUuid, state: { in: [...ACTIVE_STATES] } },
    select: { uuid: true },
  });
  return c?.uuid ?? null;
}

import type { ContainerState } from '../generated/prisma/client.js';
import type { DomainContext } from './context.js';
import { containerVisibleWhere } from './visibility.js';

// The dispatch queue: which changes a dispatcher must hear about. The order it takes work in
// (priority, highest first) is containerOrderBy in list-order.ts.

/** What a dispatcher may take (and lock): QUEUED and wanted by some request (priority > 0). */
export const isDispatchable = (c: { state: ContainerState; priority: bigint }) =>
  c.state === 'QUEUED' && c.priority > 0n;

/**
 * Whether a changed container concerns a dispatcher using the caller's token: it is
 * dispatchable after the change (new work, or a new priority), or this token holds its lock
 * (its priority fell to 0…), or held it until this change (someone else cancelled it: the
 * lock is gone, but the process the dispatcher runs for it must stop). The containers the
 * token holds are read once, then followed change by change. Invisible containers never
 * concern the caller.
 */
export async function dispatcherConcern(
  ctx: Pick<DomainContext, 'prisma' | 'caller'>,
): Promise<(uuid: string) => Promise<boolean>> {
  const { prisma, caller } = ctx;
  const tokenUuid = caller.token.uuid;
  const locked = await prisma.container.findMany({
    where: { lockedByUuid: tokenUuid },
    select: { uuid: true },
  });
  const held = new Set(locked.map((c) => c.uuid));
  return async (uuid) => {
    const c = await prisma.container.findFirst({
      where: { uuid, AND: [containerVisibleWhere(caller)] },
      select: { state: true, priority: true, lockedByUuid: true },
    });
    if (!c) return false;
    const holds = c.lockedByUuid === tokenUuid;
    const heldUntilNow = held.has(uuid);
    if (holds) held.add(uuid);
    else held.delete(uuid);
    return holds || heldUntilNow || isDispatchable(c);
  };
}

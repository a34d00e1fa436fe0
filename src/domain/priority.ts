import type { Db } from '../db/client.js';
import type { ChangeSet } from './changes.js';

/** A top-level request's claim on its container: `(priority << 50) - createdAt ms` (design.md §3). */
export function requestPriorityValue(priority: number, createdAt: Date): bigint {
  return (BigInt(priority) << 50n) - BigInt(createdAt.getTime());
}

/**
 * Recomputes a container's priority from the COMMITTED requests with priority > 0 that point
 * at it — a request made by a container follows that container's priority — and, when it
 * changed, the priorities of the containers of its children, so children follow their
 * top-level ancestor.
 */
export async function recomputeContainerPriority(
  db: Db,
  containerUuid: string,
  changes: ChangeSet,
  seen = new Set<string>(),
): Promise<void> {
  if (seen.has(containerUuid)) return; // a cycle of requests cannot recurse forever
  seen.add(containerUuid);
  const requests = await db.containerRequest.findMany({
    where: { containerUuid, state: 'COMMITTED', priority: { gt: 0 } },
    select: { priority: true, createdAt: true, requestingContainer: { select: { priority: true } } },
  });
  let priority = 0n;
  for (const r of requests) {
    const value = r.requestingContainer
      ? r.requestingContainer.priority
      : requestPriorityValue(r.priority!, r.createdAt);
    if (value > priority) priority = value;
  }
  const { count } = await db.container.updateMany({
    where: { uuid: containerUuid, priority: { not: priority } },
    data: { priority },
  });
  if (count === 0) return;
  changes.container(containerUuid);
  for (const child of await childContainers(db, containerUuid))
    await recomputeContainerPriority(db, child, changes, seen);
}

/** Containers of the COMMITTED requests that this container made. */
async function childContainers(db: Db, parentUuid: string): Promise<string[]> {
  const rows = await db.containerRequest.findMany({
    where: { requestingContainerUuid: parentUuid, state: 'COMMITTED', containerUuid: { not: null } },
    select: { containerUuid: true },
    distinct: ['containerUuid'],
  });
  return rows.map((r) => r.containerUuid!);
}

/** The priority a request made by a container starts with: its parent's highest request's. */
export async function inheritedRequestPriority(db: Db, parentContainerUuid: string): Promise<number> {
  const top = await db.containerRequest.aggregate({
    where: { containerUuid: parentContainerUuid, state: 'COMMITTED' },
    _max: { priority: true },
  });
  return top._max.priority ?? 0;
}

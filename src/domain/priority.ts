import { type Db, Prisma } from '../db/client.js';
import type { ChangeSet } from './changes.js';

/** A top-level request's claim on its container: `(priority << 50) - createdAt ms` (design.md §3). */
export function requestPriorityValue(priority: number, createdAt: Date): bigint {
  return (BigInt(priority) << 50n) - BigInt(createdAt.getTime());
}

/**
 * The highest claim of the COMMITTED requests with priority > 0 on the container `uuid` (an SQL
 * expression), or NULL for none: a top-level request claims requestPriorityValue, a request
 * made by a container claims that container's priority. Both halves are read from the
 * (container_uuid, state, requesting_container_uuid, priority DESC, created_at) index: the
 * top-level claims highest first (one row, however many requests pile up on the container),
 * the children's as a range of it, so a recompute does not read every request.
 */
export function highestClaimSql(uuid: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`GREATEST(
    (SELECT (r.priority::bigint << 50) - (extract(epoch FROM r.created_at) * 1000)::bigint
       FROM container_requests r
      WHERE r.container_uuid = ${uuid} AND r.state = 'COMMITTED'
        AND r.requesting_container_uuid IS NULL AND r.priority > 0
      ORDER BY r.requesting_container_uuid, r.priority DESC, r.created_at ASC
      LIMIT 1),
    (SELECT max(p.priority)
       FROM container_requests r JOIN containers p ON p.uuid = r.requesting_container_uuid
      WHERE r.container_uuid = ${uuid} AND r.state = 'COMMITTED'
        AND r.requesting_container_uuid IS NOT NULL AND r.priority > 0))`;
}

/**
 * Recomputes a container's priority from the claims on it (highestClaimSql) in one statement,
 * and, when it changed, the priorities of the containers of its children, so children follow
 * their top-level ancestor.
 */
export async function recomputeContainerPriority(
  db: Db,
  containerUuid: string,
  changes: ChangeSet,
  seen = new Set<string>(),
): Promise<void> {
  if (seen.has(containerUuid)) return; // a cycle of requests cannot recurse forever
  seen.add(containerUuid);
  const changed = await db.$queryRaw<{ uuid: string }[]>`
    UPDATE containers c SET priority = p.priority, modified_at = ${new Date()}
    FROM (SELECT COALESCE(${highestClaimSql(Prisma.sql`${containerUuid}`)}, 0) AS priority) p
    WHERE c.uuid = ${containerUuid} AND c.priority <> p.priority
    RETURNING c.uuid`;
  if (changed.length === 0) return;
  changes.container(containerUuid);
  await recomputeChildren(db, containerUuid, changes, seen);
}

/** After a container's priority changed: the containers of the requests it made follow it. */
export async function recomputeChildren(
  db: Db,
  parentUuid: string,
  changes: ChangeSet,
  seen = new Set<string>([parentUuid]),
): Promise<void> {
  for (const child of await childContainers(db, parentUuid))
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

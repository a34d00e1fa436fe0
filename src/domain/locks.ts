import { type Db, Prisma } from '../db/client.js';
import { conflict } from '../errors.js';
import { ACTIVE_STATES, isActive } from './container-state.js';

// Every writer takes row locks in one order — a container before the requests that point at
// it — so a request update and a container state change never wait on each other in a cycle.

/** Row lock for the rest of the transaction. */
export async function lockRow(
  tx: Db,
  table: 'containers' | 'container_requests',
  uuid: string,
): Promise<void> {
  // Table names are two fixed literals, never input.
  if (table === 'containers') await tx.$queryRaw`SELECT 1 FROM containers WHERE uuid = ${uuid} FOR UPDATE`;
  else await tx.$queryRaw`SELECT 1 FROM container_requests WHERE uuid = ${uuid} FOR UPDATE`;
}

/**
 * Locks a request and, first, the container it points at. If a retry moved the request to
 * another container meanwhile, that one is locked too; returns the container uuid, or null when
 * there is none or the request no longer exists (the caller's read then finds nothing).
 */
export async function lockRequestWithContainer(tx: Db, uuid: string): Promise<string | null> {
  let locked: string | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await tx.containerRequest.findUnique({ where: { uuid }, select: { containerUuid: true } });
    if (!row) return null;
    if (row.containerUuid && row.containerUuid !== locked) {
      await lockRow(tx, 'containers', row.containerUuid);
      locked = row.containerUuid;
    }
    await lockRow(tx, 'container_requests', uuid);
    const now = await tx.containerRequest.findUnique({ where: { uuid }, select: { containerUuid: true } });
    if (!now) return null; // deleted while we waited for the lock
    if (now.containerUuid === row.containerUuid) return now.containerUuid;
  }
  throw conflict('The container request changed concurrently; retry');
}

/**
 * A request made by a container may only be created or committed while that container is
 * LOCKED or RUNNING: a share lock holds it there until this transaction ends, so it cannot
 * finish (and cancel its children) in between. Returns its priority (the claim of its children).
 */
export async function lockActiveParent(tx: Db, parentUuid: string): Promise<bigint> {
  const rows = await tx.$queryRaw<
    { state: string; priority: bigint }[]
  >`SELECT state::text AS state, priority FROM containers WHERE uuid = ${parentUuid} FOR SHARE`;
  const state = rows[0]?.state;
  if (!state || !isActive(state as Parameters<typeof isActive>[0])) {
    throw conflict('The container that made this request has finished');
  }
  return BigInt(rows[0]!.priority);
}

/** The LOCKED or RUNNING container whose generated token this is (an SQL expression: its uuid or NULL). */
export function generatedTokenContainerSql(tokenUuid: string): Prisma.Sql {
  // One parameter per state: an array parameter reaches PGlite as the text "LOCKED,RUNNING"
  // (pglite-prisma-adapter) outside jest, where the server runs.
  const states = Prisma.join(ACTIVE_STATES.map((s) => Prisma.sql`${s}::"ContainerState"`));
  return Prisma.sql`(SELECT uuid FROM containers
    WHERE auth_uuid = ${tokenUuid} AND state IN (${states}) LIMIT 1)`;
}

import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { ChangeSet } from './changes.js';

/**
 * Finalizes COMMITTED requests: copies the container's log and output and sets FINAL, and in
 * the same write scrubs the request's secrets (runtimeToken null, secretMounts {}).
 */
export async function finalizeRequests(
  tx: Db,
  where: Prisma.ContainerRequestWhereInput,
  container: { log: string | null; output: string | null },
  changes: ChangeSet,
): Promise<void> {
  const scope = { ...where, state: 'COMMITTED' as const };
  const rows = await tx.containerRequest.findMany({ where: scope, select: { uuid: true } });
  if (rows.length === 0) return;
  await tx.containerRequest.updateMany({
    where: { uuid: { in: rows.map((r) => r.uuid) } },
    data: { state: 'FINAL', log: container.log, output: container.output, runtimeToken: null, secretMounts: {} },
  });
  for (const r of rows) changes.containerRequest(r.uuid);
}

/** Row lock for the rest of the transaction: serialises writers of one object. */
export async function lockRow(tx: Db, table: 'containers' | 'container_requests', uuid: string): Promise<void> {
  // Table names are two fixed literals, never input.
  if (table === 'containers') await tx.$queryRaw`SELECT 1 FROM containers WHERE uuid = ${uuid} FOR UPDATE`;
  else await tx.$queryRaw`SELECT 1 FROM container_requests WHERE uuid = ${uuid} FOR UPDATE`;
}

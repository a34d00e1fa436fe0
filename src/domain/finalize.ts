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
  // One guarded statement: a request finalized concurrently is not overwritten.
  const rows = await tx.containerRequest.updateManyAndReturn({
    where: { ...where, state: 'COMMITTED' },
    data: {
      state: 'FINAL',
      log: container.log,
      output: container.output,
      runtimeToken: null,
      secretMounts: {},
    },
    select: { uuid: true },
  });
  for (const r of rows) changes.containerRequest(r.uuid);
}

import type { PrismaClient } from '../src/db/client.js';

/**
 * Inserts filler containers numbered [from, to), each with its own reuse hash and in every
 * state in turn (a fifth COMPLETE with exit code 0): the table a reuse lookup must not scan.
 * Shared by the benchmark and the query-plan tests.
 */
export async function insertFillerContainers(prisma: PrismaClient, from: number, to: number): Promise<void> {
  // In batches: one statement each, short enough for a statement timeout on a busy machine.
  const batch = 20_000;
  for (let start = Math.trunc(from); start < to; start += batch)
    await insertBatch(prisma, start, Math.min(Math.trunc(to), start + batch));
}

async function insertBatch(prisma: PrismaClient, from: number, to: number): Promise<void> {
  await prisma.$executeRawUnsafe(`
    INSERT INTO containers (uuid, state, priority, command, container_image, cwd, output_path,
      runtime_user_uuid, runtime_auth_scopes, secret_mounts_md5, reuse_hash, exit_code, finished_at)
    SELECT 'zzzzz-dz642-' || lpad(to_hex(g), 15, '0'),
           (ARRAY['QUEUED','LOCKED','RUNNING','COMPLETE','CANCELLED'])[1 + g % 5]::"ContainerState",
           g, ARRAY['filler', g::text], 'img', '.', '/out', 'zzzzz-tpzed-000000000000000', ARRAY['all'],
           md5('{}'), md5(g::text), CASE WHEN g % 5 = 3 THEN 0 END, CASE WHEN g % 5 >= 3 THEN now() END
    FROM generate_series(${from}, ${to - 1}) AS g`);
}

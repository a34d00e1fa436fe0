import crypto from 'node:crypto';
import { type Db, Prisma } from '../db/client.js';
import { canonicalJson, objectOrEmpty } from './canonical.js';

/** The fields two containers must share for one to be reused for the other (design.md §8). */
export interface ReuseFields {
  command: string[];
  cwd: string;
  environment: unknown;
  outputPath: string;
  containerImage: string;
  mounts: unknown;
  runtimeConstraints: unknown;
  secretMountsMd5: string;
  runtimeUserUuid: string;
  runtimeAuthScopes: string[];
}

/**
 * SHA-256 of the normalised reuse fields, stored and indexed (with state) on every container:
 * finding a reusable container is one index lookup, whatever the number of containers.
 * The runtime token string is deliberately not an input.
 */
export function reuseHash(f: ReuseFields): string {
  const normalised = {
    command: f.command,
    cwd: f.cwd,
    environment: objectOrEmpty(f.environment),
    outputPath: f.outputPath,
    containerImage: f.containerImage,
    mounts: objectOrEmpty(f.mounts),
    runtimeConstraints: objectOrEmpty(f.runtimeConstraints),
    secretMountsMd5: f.secretMountsMd5,
    runtimeUserUuid: f.runtimeUserUuid,
    runtimeAuthScopes: [...f.runtimeAuthScopes].sort(),
  };
  return crypto.createHash('sha256').update(canonicalJson(normalised)).digest('hex');
}

/**
 * The candidates for reuse, best first (design.md §8), as one query that ranks every tier:
 * 1. COMPLETE with exit code 0, earliest finishedAt;
 * 2. RUNNING without runtimeStatus.error, highest progress, then earliest startedAt;
 * 3. LOCKED before QUEUED, then highest priority, then earliest createdAt.
 * Failed and cancelled containers are never candidates. Columns: uuid, state, log, output.
 *
 * It reads only containers with this hash, on the (reuse_hash, state) index: with useExisting
 * false any number of identical containers may share a hash, so the database sorts them and
 * hands over one row, whatever their number.
 */
export function reusableContainersSql(hash: string): Prisma.Sql {
  // "Without runtimeStatus.error" as JavaScript reads it: a non-object status has no error,
  // and a missing, null, false, "" or 0 error is none; anything else ({} and [] included)
  // is an error. A null progress ranks as 0 (unknown progress is none), as it always has.
  // Each tier's own order is written for its rows only (NULL, hence tied, for the others).
  return Prisma.sql`
    SELECT uuid, state, log, output FROM containers
    WHERE reuse_hash = ${hash}
      AND ((state = 'COMPLETE' AND exit_code = 0)
        OR (state = 'RUNNING'
            AND (jsonb_typeof(runtime_status) <> 'object'
                 OR runtime_status -> 'error' IS NULL
                 OR runtime_status -> 'error' IN ('null'::jsonb, 'false'::jsonb, '""'::jsonb, '0'::jsonb)))
        OR state IN ('LOCKED', 'QUEUED'))
    ORDER BY CASE state WHEN 'COMPLETE' THEN 0 WHEN 'RUNNING' THEN 1 WHEN 'LOCKED' THEN 2 ELSE 3 END,
      CASE WHEN state = 'COMPLETE' THEN finished_at END ASC NULLS LAST,
      CASE WHEN state = 'RUNNING' THEN COALESCE(progress, 0) END DESC,
      CASE WHEN state = 'RUNNING' THEN started_at END ASC NULLS LAST,
      CASE WHEN state IN ('LOCKED', 'QUEUED') THEN priority END DESC,
      created_at ASC, uuid ASC
    LIMIT 1`;
}

/** The container to reuse for these fields (reusableContainersSql), or null. */
export async function findReusableContainer(db: Db, hash: string): Promise<string | null> {
  const [best] = await db.$queryRaw<{ uuid: string }[]>(reusableContainersSql(hash));
  return best?.uuid ?? null;
}

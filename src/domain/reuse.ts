import crypto from 'node:crypto';
import type { Db } from '../db/client.js';
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
 * The container to reuse for these fields, in the preference order of design.md §8, or null:
 * 1. COMPLETE with exit code 0, earliest finishedAt;
 * 2. RUNNING without runtimeStatus.error, highest progress, then earliest startedAt;
 * 3. LOCKED before QUEUED, then highest priority, then earliest createdAt.
 * Failed and cancelled containers are never candidates.
 *
 * Each tier is one query on the (reuse_hash, state) index that sorts in the database and
 * takes one row: with useExisting false, any number of identical containers may share a hash.
 */
export async function findReusableContainer(db: Db, hash: string): Promise<string | null> {
  const complete = await db.container.findFirst({
    where: { reuseHash: hash, state: 'COMPLETE', exitCode: 0 },
    orderBy: [{ finishedAt: 'asc' }, { createdAt: 'asc' }],
    select: { uuid: true },
  });
  if (complete) return complete.uuid;

  // "Without runtimeStatus.error" as JavaScript reads it: a non-object status has no error,
  // and a missing, null, false, "" or 0 error is none; anything else ({} and [] included)
  // is an error. Prisma's JSON filters cannot say "missing or one of these", hence raw SQL.
  // A null progress ranks as 0 (unknown progress is none), as it always has.
  const [running] = await db.$queryRaw<{ uuid: string }[]>`
    SELECT uuid FROM containers
    WHERE reuse_hash = ${hash} AND state = 'RUNNING'
      AND (jsonb_typeof(runtime_status) <> 'object'
           OR runtime_status -> 'error' IS NULL
           OR runtime_status -> 'error' IN ('null'::jsonb, 'false'::jsonb, '""'::jsonb, '0'::jsonb))
    ORDER BY COALESCE(progress, 0) DESC, started_at ASC NULLS LAST, created_at ASC, uuid ASC
    LIMIT 1`;
  if (running) return running.uuid;

  const waiting = await db.container.findFirst({
    where: { reuseHash: hash, state: { in: ['LOCKED', 'QUEUED'] } },
    // The enum sorts in declaration order (QUEUED < LOCKED, prisma/schema.prisma), so
    // descending puts LOCKED first; test/lifecycle/reuse-lookup.test.ts checks that order.
    orderBy: [{ state: 'desc' }, { priority: 'desc' }, { createdAt: 'asc' }, { uuid: 'asc' }],
    select: { uuid: true },
  });
  return waiting?.uuid ?? null;
}

import crypto from 'node:crypto';
import type { Db } from '../db/client.js';
import { canonicalJson, objectOrEmpty } from './canonical.js';

/** The fields two containers must share for one to be reused for the other (SPEC 8). */
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
 * The container to reuse for these fields, in the preference order of SPEC 8, or null:
 * 1. COMPLETE with exit code 0, earliest finishedAt;
 * 2. RUNNING without runtimeStatus.error, highest progress, then earliest startedAt;
 * 3. LOCKED before QUEUED, then highest priority, then earliest createdAt.
 * Failed and cancelled containers are never candidates.
 */
export async function findReusableContainer(db: Db, hash: string): Promise<string | null> {
  const complete = await db.container.findFirst({
    where: { reuseHash: hash, state: 'COMPLETE', exitCode: 0 },
    orderBy: [{ finishedAt: 'asc' }, { createdAt: 'asc' }],
    select: { uuid: true },
  });
  if (complete) return complete.uuid;

  const active = await db.container.findMany({
    where: { reuseHash: hash, state: { in: ['RUNNING', 'LOCKED', 'QUEUED'] } },
    select: { uuid: true, state: true, progress: true, startedAt: true, priority: true, createdAt: true, runtimeStatus: true },
  });
  const running = active
    .filter((c) => c.state === 'RUNNING' && !objectOrEmpty(c.runtimeStatus).error)
    .sort((a, b) => (b.progress ?? 0) - (a.progress ?? 0) || time(a.startedAt) - time(b.startedAt));
  if (running[0]) return running[0].uuid;

  const rank = { LOCKED: 0, QUEUED: 1 } as Record<string, number>;
  const waiting = active
    .filter((c) => c.state === 'LOCKED' || c.state === 'QUEUED')
    .sort((a, b) => rank[a.state]! - rank[b.state]! || cmpBigDesc(a.priority, b.priority) || time(a.createdAt) - time(b.createdAt));
  return waiting[0]?.uuid ?? null;
}

function time(d: Date | null): number {
  return d ? d.getTime() : Number.MAX_SAFE_INTEGER;
}

function cmpBigDesc(a: bigint, b: bigint): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

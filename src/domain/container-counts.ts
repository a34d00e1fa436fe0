import type { Caller } from '../core/caller.js';
import { type Db, Prisma } from '../db/client.js';
import { prepared } from '../db/prepared.js';
import type { ContainerState } from '../generated/prisma/client.js';
import { containerVisibleWhere } from './visibility.js';

// The containers list's filter and its totalCount (docs/design.md §5, "Counting containers").
// An exact count(*) reads every container it counts: for a dispatcher's queue page with
// 200k QUEUED that is most of the page's time. The container_counts table, kept by triggers
// (migration container_counts), answers the counts of whole buckets from at most 16 rows.

/** The `containers` list's filter, as the API takes it. */
export interface ContainerListFilter {
  state?: ContainerState | null;
  lockedByUuid?: string | null;
  minPriority?: bigint | null;
}

/** The containers of `filter` the caller can see. */
export function containerListWhere(
  caller: Caller,
  f: ContainerListFilter | null | undefined,
): Prisma.ContainerWhereInput {
  return {
    AND: [
      containerVisibleWhere(caller),
      {
        ...(f?.state ? { state: f.state } : {}),
        ...(f?.lockedByUuid ? { lockedByUuid: f.lockedByUuid } : {}),
        ...(f?.minPriority != null ? { priority: { gte: f.minPriority } } : {}),
      },
    ],
  };
}

type Bucket = 'queued' | 'queuedWithPriority' | 'locked' | 'running' | 'complete' | 'cancelled' | 'all';

const STATE_BUCKET: Record<ContainerState, Bucket> = {
  QUEUED: 'queued',
  LOCKED: 'locked',
  RUNNING: 'running',
  COMPLETE: 'complete',
  CANCELLED: 'cancelled',
};

/**
 * The bucket whose count is exactly the caller's count of `filter`, or null. Only for a caller
 * who sees every container (the buckets count them all), and only filters that are a whole
 * bucket: a state, QUEUED with minPriority 1 (the dispatcher's queue: priority > 0), or none.
 */
export function countBucket(caller: Caller, f: ContainerListFilter | null | undefined): Bucket | null {
  const visible = containerVisibleWhere(caller);
  if (Object.keys(visible).length > 0) return null; // a visibility filter: bounded by what they see
  if (f?.lockedByUuid) return null; // bounded by one dispatcher's locks
  const min = f?.minPriority ?? null;
  if (!f?.state) return min == null ? 'all' : null;
  if (min == null) return STATE_BUCKET[f.state];
  // Priorities are whole numbers: ≥ 1 is > 0.
  return f.state === 'QUEUED' && min === 1n ? 'queuedWithPriority' : null;
}

/** One statement of one fixed text (prepared on PostgreSQL): every bucket summed over the shards. */
export const CONTAINER_COUNTS_SQL = Prisma.sql`SELECT
  COALESCE(sum(queued), 0)::bigint AS queued,
  COALESCE(sum(queued_with_priority), 0)::bigint AS "queuedWithPriority",
  COALESCE(sum(locked), 0)::bigint AS locked,
  COALESCE(sum(running), 0)::bigint AS running,
  COALESCE(sum(complete), 0)::bigint AS complete,
  COALESCE(sum(cancelled), 0)::bigint AS cancelled
  FROM container_counts`;

type CountsRow = Record<Exclude<Bucket, 'all'>, bigint>;

/** Every bucket's count, from the counters (at most 16 rows, whatever the number of containers). */
export async function containerBucketCounts(db: Db): Promise<Record<Bucket, number>> {
  const [row] = await db.$queryRaw<CountsRow[]>(prepared(CONTAINER_COUNTS_SQL));
  const n = (v: bigint | number | undefined) => Number(v ?? 0);
  const counts = {
    queued: n(row?.queued),
    queuedWithPriority: n(row?.queuedWithPriority),
    locked: n(row?.locked),
    running: n(row?.running),
    complete: n(row?.complete),
    cancelled: n(row?.cancelled),
  };
  return {
    ...counts,
    all: counts.queued + counts.locked + counts.running + counts.complete + counts.cancelled,
  };
}

/** Every state's count, and the queue dispatchers take (QUEUED with priority > 0): for metrics. */
export async function containerStateCounts(
  db: Db,
): Promise<{ byState: Record<ContainerState, number>; queueDepth: number }> {
  const counts = await containerBucketCounts(db);
  const byState = Object.fromEntries(
    Object.entries(STATE_BUCKET).map(([state, bucket]) => [state, counts[bucket]]),
  ) as Record<ContainerState, number>;
  return { byState, queueDepth: counts.queuedWithPriority };
}

/** The `containers` list's totalCount: from the counters when a bucket answers it, else counted exactly. */
export async function countContainers(
  db: Db,
  caller: Caller,
  filter: ContainerListFilter | null | undefined,
): Promise<number> {
  const bucket = countBucket(caller, filter);
  if (bucket) return (await containerBucketCounts(db))[bucket];
  return db.container.count({ where: containerListWhere(caller, filter) });
}

import type { NotifySql } from '../core/services.js';
import { type Db, Prisma } from '../db/client.js';
import { prepared } from '../db/prepared.js';
import type { SecretBox } from '../format/secret-box.js';
import { newUuid } from '../format/uuid.js';
import { secretMountsMd5 } from './canonical.js';
import type { ChangeSet } from './changes.js';
import { lockActiveParent } from './locks.js';
import { type CopiedRow, copiedFields } from './new-container.js';
import { highestClaimSql, recomputeChildren, requestPriorityValue } from './priority.js';
import { reusableContainersSql, reuseHash } from './reuse.js';
import type { RuntimeIdentity } from './runtime-identity.js';

/** A request as a commit reads it; secretMounts as stored (sealed). */
export interface CommittingRequest extends CopiedRow {
  uuid: string;
  priority: number | null;
  useExisting: boolean;
  secretMounts: unknown;
  requestingContainerUuid: string | null;
  createdAt: Date;
}

/** The rest of a new request's row, when the commit statement is also the one that inserts it. */
export interface NewRequestColumns {
  ownerUuid: string;
  name: string | null;
  description: string | null;
  properties: unknown;
  containerCountMax: number;
  /** Sealed. */
  runtimeToken: string | null;
}

/** What reuse compares: the hash of the request's reuse fields with this runtime identity. */
export function reuseKey(cr: CommittingRequest, identity: RuntimeIdentity, secrets: SecretBox) {
  // The request's secret mounts are stored sealed: opened here for their digest only, and
  // handed to the container sealed as they are.
  const md5 = secretMountsMd5(secrets.openMounts(cr.secretMounts));
  const hash = reuseHash({
    ...cr,
    secretMountsMd5: md5,
    runtimeUserUuid: identity.runtimeUserUuid,
    runtimeAuthScopes: identity.runtimeAuthScopes,
  });
  return { md5, hash };
}
export type ReuseKey = ReturnType<typeof reuseKey>;

/**
 * A select-list item that takes the reuse lock of a request for the rest of the transaction:
 * two identical commits at once must not both miss each other's new container, so the second
 * waits, and its next statement (a new snapshot) sees the first one's container. The lock is
 * keyed on the reuse fields without the runtime identity, so that it can be taken before a
 * local runtime token is read (in the same statement: createContainerRequest): identical
 * commits share it, and commits that differ only in their runtime identity merely take turns.
 */
export function reuseLockSql(cr: CommittingRequest, md5: string): Prisma.Sql {
  const key = reuseHash({ ...cr, secretMountsMd5: md5, runtimeUserUuid: '', runtimeAuthScopes: [] });
  return Prisma.sql`pg_advisory_xact_lock(hashtext(${key}))`;
}

/**
 * Commits a stored UNCOMMITTED request (design.md §3 commit steps 2–4), inside the caller's
 * transaction, which holds the request's row lock: the parent's share lock and the reuse lock,
 * then the commit statement.
 */
export async function commitStoredRequest(
  tx: Db,
  cr: CommittingRequest,
  identity: RuntimeIdentity,
  changes: ChangeSet,
  secrets: SecretBox,
  notify?: NotifySql,
): Promise<void> {
  // A child committed after its parent finished would wait forever at priority 0.
  const parentPriority = cr.requestingContainerUuid
    ? await lockActiveParent(tx, cr.requestingContainerUuid)
    : null;
  const key = reuseKey(cr, identity, secrets);
  if (cr.useExisting) await tx.$queryRaw(prepared(Prisma.sql`SELECT ${reuseLockSql(cr, key.md5)}::text`));
  await writeCommit(tx, { cr, key, identity, parentPriority, insert: null, notify }, changes, secrets);
}

export interface Commit {
  cr: CommittingRequest;
  key: ReuseKey;
  identity: RuntimeIdentity;
  /** The parent container's priority (share-locked) for a request made by a container. */
  parentPriority: bigint | null;
  /** The new request's other columns: the statement inserts it, committed; null: it updates it. */
  insert: NewRequestColumns | null;
  /** Given, the statement announces what it changed itself (no NOTIFY statement of its own). */
  notify?: NotifySql;
}

const json = (v: unknown) => Prisma.sql`${JSON.stringify(v)}::jsonb`;

// The request's columns a client may read (never runtime_token or secret_mounts), as the commit
// statement returns them: a commit answers from the row it wrote instead of reading it again.
const READABLE_REQUEST_COLUMNS = {
  uuid: 'uuid',
  ownerUuid: 'owner_uuid',
  name: 'name',
  description: 'description',
  properties: 'properties',
  state: 'state',
  priority: 'priority',
  command: 'command',
  containerImage: 'container_image',
  cwd: 'cwd',
  environment: 'environment',
  mounts: 'mounts',
  outputPath: 'output_path',
  runtimeConstraints: 'runtime_constraints',
  schedulingParameters: 'scheduling_parameters',
  useExisting: 'use_existing',
  containerCountMax: 'container_count_max',
  containerCount: 'container_count',
  containerUuid: 'container_uuid',
  requestingContainerUuid: 'requesting_container_uuid',
  log: 'log',
  output: 'output',
  createdAt: 'created_at',
  modifiedAt: 'modified_at',
  modifiedByUserUuid: 'modified_by_user_uuid',
} as const satisfies Partial<Record<keyof Prisma.ContainerRequestSelect, string>>;

/** A committed request as the commit statement wrote it: its readable columns (not its secrets). */
export type CommittedRequestRow = Prisma.ContainerRequestGetPayload<{
  select: { [K in keyof typeof READABLE_REQUEST_COLUMNS]: true };
}>;

// Prefixed in the statement's answer, beside the container's own columns.
const REQUEST_PREFIX = 'request.';
const readableRequestSql = Prisma.raw(
  Object.entries(READABLE_REQUEST_COLUMNS)
    .map(([field, column]) => `q.${column} AS "${REQUEST_PREFIX}${field}"`)
    .join(', '),
);

/** What the commit statement answers: the container the request now points at, and the request. */
export interface CommitRow {
  uuid: string;
  created: boolean;
  reprioritised: boolean;
  parent: boolean;
  request: CommittedRequestRow;
}

/**
 * The commit as one statement, after the reuse lock: the best reusable container (one ranked
 * query), else a new QUEUED one; the request pointed at it (COMMITTED, or FINAL at once with
 * the log and output when the container is already COMPLETE, its secrets scrubbed in the same
 * write); and a reused container's priority worked out again from the claims on it. The
 * request's own claim is passed in, because the statement's snapshot does not see its own
 * writes. Built apart from running it, so that the bench's floor (bench/baselines.ts, C) sends
 * the very same statement through plain `pg`.
 */
export function commitStatementSql(
  { cr, key, identity, parentPriority, insert, notify }: Commit,
  secrets: SecretBox,
): Prisma.Sql {
  const claims = (cr.priority ?? 0) > 0;
  const claim = !claims
    ? 0n
    : cr.requestingContainerUuid
      ? (parentPriority ?? 0n)
      : requestPriorityValue(cr.priority!, cr.createdAt);
  const now = new Date();
  const copied = copiedFields(cr);
  const complete = Prisma.sql`t.state = 'COMPLETE'`;
  const requestState = Prisma.sql`(CASE WHEN ${complete} THEN 'FINAL' ELSE 'COMMITTED' END)::"ContainerRequestState"`;
  const writeRequest = insert
    ? Prisma.sql`
      INSERT INTO container_requests (uuid, owner_uuid, name, description, properties, state, priority, command,
        container_image, cwd, environment, mounts, output_path, runtime_constraints, scheduling_parameters,
        use_existing, container_count_max, container_count, container_uuid, requesting_container_uuid, log, output,
        runtime_token, secret_mounts, created_at, modified_at, modified_by_user_uuid)
      SELECT ${cr.uuid}, ${insert.ownerUuid}, ${insert.name}::text, ${insert.description}::text,
        ${json(insert.properties)}, ${requestState}, ${cr.priority}::int, ${cr.command}::text[],
        ${cr.containerImage}, ${cr.cwd}, ${json(cr.environment)}, ${json(cr.mounts)}, ${cr.outputPath},
        ${json(cr.runtimeConstraints)}, ${json(cr.schedulingParameters)}, ${cr.useExisting}::boolean,
        ${insert.containerCountMax}::int, 1, t.uuid, ${cr.requestingContainerUuid}::text,
        CASE WHEN ${complete} THEN t.log END, CASE WHEN ${complete} THEN t.output END,
        CASE WHEN ${complete} THEN NULL ELSE ${insert.runtimeToken}::text END,
        CASE WHEN ${complete} THEN '{}'::jsonb ELSE ${json(cr.secretMounts)} END,
        ${cr.createdAt}::timestamptz, ${now}::timestamptz, ${insert.ownerUuid}
      FROM target t
      RETURNING *`
    : Prisma.sql`
      UPDATE container_requests r SET state = ${requestState}, container_uuid = t.uuid,
        container_count = r.container_count + 1,
        log = CASE WHEN ${complete} THEN t.log ELSE r.log END,
        output = CASE WHEN ${complete} THEN t.output ELSE r.output END,
        runtime_token = CASE WHEN ${complete} THEN NULL ELSE r.runtime_token END,
        secret_mounts = CASE WHEN ${complete} THEN '{}'::jsonb ELSE r.secret_mounts END,
        modified_at = ${now}::timestamptz
      FROM target t WHERE r.uuid = ${cr.uuid}
      RETURNING r.*`;
  const containerUuid = newUuid(cr.uuid.slice(0, 5), 'container');
  const announce = notify
    ? Prisma.sql`, ${notify(
        Prisma.sql`CASE WHEN t.created OR EXISTS (SELECT 1 FROM reprioritised) THEN ARRAY[t.uuid] ELSE ARRAY[]::text[] END`,
        Prisma.sql`ARRAY[${cr.uuid}::text]`,
      )}::text AS announced`
    : Prisma.empty;
  return Prisma.sql`
    WITH reuse AS (
      ${cr.useExisting ? reusableContainersSql(key.hash) : Prisma.sql`SELECT uuid, state, log, output FROM containers WHERE false`}
    ), created AS (
      INSERT INTO containers (uuid, state, priority, command, container_image, cwd, environment, mounts, output_path,
        runtime_constraints, scheduling_parameters, runtime_user_uuid, runtime_auth_scopes, runtime_token,
        runtime_token_uuid, secret_mounts, secret_mounts_md5, reuse_hash, created_at, modified_at)
      SELECT ${containerUuid}, 'QUEUED', ${String(claim)}::bigint, ${copied.command}::text[], ${copied.containerImage},
        ${copied.cwd}, ${json(copied.environment)}, ${json(copied.mounts)}, ${copied.outputPath},
        ${json(copied.runtimeConstraints)}, ${json(copied.schedulingParameters)}, ${identity.runtimeUserUuid},
        ${identity.runtimeAuthScopes}::text[], ${secrets.sealToken(identity.runtimeToken)}::text,
        ${identity.runtimeTokenUuid}::text, ${json(cr.secretMounts ?? {})}, ${key.md5}, ${key.hash},
        ${now}::timestamptz, ${now}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM reuse)
      RETURNING uuid, state, log, output
    ), target AS (
      SELECT uuid, state, log, output, false AS created FROM reuse
      UNION ALL SELECT uuid, state, log, output, true FROM created
    ), request AS ( -- a writing WITH runs whether or not anything reads it
      ${writeRequest}
    ), reprioritised AS (
      UPDATE containers c SET priority = p.priority, modified_at = ${now}::timestamptz
      FROM (SELECT t.uuid, COALESCE(GREATEST(${highestClaimSql(Prisma.sql`t.uuid`)},
              CASE WHEN t.state <> 'COMPLETE' THEN ${String(claim)}::bigint END), 0) AS priority
            FROM reuse t) p
      WHERE c.uuid = p.uuid AND c.priority <> p.priority
      RETURNING c.uuid
    )
    SELECT t.uuid, t.created, EXISTS (SELECT 1 FROM reprioritised) AS reprioritised,
      EXISTS (SELECT 1 FROM container_requests k
              WHERE k.requesting_container_uuid = t.uuid AND k.state = 'COMMITTED') AS parent${announce},
      ${readableRequestSql}
    FROM target t LEFT JOIN request q ON true`;
}

/**
 * Runs the commit statement (commitStatementSql) and records what it changed. A reused
 * container that made requests of its own and changed priority has them follow
 * (recomputeChildren): the only case that costs more statements.
 */
export async function writeCommit(
  tx: Db,
  commit: Commit,
  changes: ChangeSet,
  secrets: SecretBox,
): Promise<CommitRow> {
  const { cr, notify } = commit;
  const [answer] = await tx.$queryRaw<Record<string, unknown>[]>(
    prepared(commitStatementSql(commit, secrets)),
  );
  if (!answer) throw new Error('the commit statement found no container'); // it always returns one
  const row = commitRowOf(answer);
  changes.containerRequest(cr.uuid);
  if (row.created || row.reprioritised) changes.container(row.uuid);
  if (notify) {
    changes.announced.add(cr.uuid);
    if (row.created || row.reprioritised) changes.announced.add(row.uuid);
  }
  if (row.reprioritised && row.parent) await recomputeChildren(tx, row.uuid, changes);
  return row;
}

/** The commit statement's answer: the container's columns, and the request's under REQUEST_PREFIX. */
function commitRowOf(answer: Record<string, unknown>): CommitRow {
  const request: Record<string, unknown> = {};
  for (const field of Object.keys(READABLE_REQUEST_COLUMNS))
    request[field] = answer[`${REQUEST_PREFIX}${field}`];
  return {
    uuid: answer.uuid as string,
    created: answer.created as boolean,
    reprioritised: answer.reprioritised as boolean,
    parent: answer.parent as boolean,
    request: request as CommittedRequestRow,
  };
}

import type { Caller } from '../core/caller.js';
import type { Db } from '../db/client.js';
import { jsonColumn, withJsonColumns } from '../db/json-column.js';
import { badInput, conflict, forbidden, notFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { type ChangeSet, writeTransaction } from './changes.js';
import {
  type ContainerUpdate,
  type UpdateContainerInput,
  validateContainerUpdate,
} from './container-input.js';
import { canTransition, isActive, isFinal } from './container-state.js';
import type { DomainContext } from './context.js';
import { finalizeRequests } from './finalize.js';
import { lockRow } from './locks.js';
import { COPIED_FIELDS, COPIED_JSON_FIELDS, copiedFields, createContainer } from './new-container.js';
import { recomputeContainerPriority } from './priority.js';
import { createToken, expireToken } from './tokens.js';
import { containerVisibleWhere, isOwnToken } from './visibility.js';

// What the container's own token may set, only while RUNNING (design.md §5).
const SELF_FIELDS = new Set<keyof UpdateContainerInput>([
  'state',
  'exitCode',
  'progress',
  'output',
  'runtimeStatus',
]);

// Columns the state logic reads; never the secrets.
const STATE_SELECT = {
  uuid: true,
  state: true,
  lockedByUuid: true,
  authUuid: true,
  runtimeTokenUuid: true,
  runtimeUserUuid: true,
  runtimeAuthScopes: true,
  log: true,
  output: true,
} satisfies Prisma.ContainerSelect;
type StateRow = Prisma.ContainerGetPayload<{ select: typeof STATE_SELECT }>;

/**
 * The container if the caller may see it, NOT_FOUND otherwise (never FORBIDDEN); with `lock`,
 * its row is locked first, for the rest of the transaction.
 */
async function visibleContainer(
  db: Db,
  caller: Caller,
  uuid: string,
  opts: { lock?: boolean } = {},
): Promise<StateRow> {
  if (opts.lock) await lockRow(db, 'containers', uuid);
  const c = await db.container.findFirst({
    where: { uuid, AND: [containerVisibleWhere(caller)] },
    select: STATE_SELECT,
  });
  if (!c) throw notFound('Container not found');
  return c;
}

/**
 * Locks a QUEUED container with priority > 0 for the caller's token (admins only). Atomic:
 * a conditional update, so of many concurrent lockers exactly one wins; the others get
 * CONFLICT. Without a runtime token, a token for the runtime user is generated.
 */
export async function lockContainer(ctx: DomainContext, uuid: string): Promise<void> {
  const { caller } = ctx;
  await writeTransaction(ctx, async (tx, changes) => {
    const c = await visibleContainer(tx, caller, uuid);
    if (!caller.user.isAdmin) throw forbidden('Only admin (dispatcher) tokens may lock containers');
    const { count } = await tx.container.updateMany({
      where: { uuid, state: 'QUEUED', priority: { gt: 0 } },
      data: { state: 'LOCKED', lockedByUuid: caller.token.uuid },
    });
    if (count === 0) {
      const now = await tx.container.findUniqueOrThrow({ where: { uuid }, select: { state: true } });
      throw conflict(
        now.state === 'QUEUED' ? 'cannot lock when priority<=0' : `cannot lock when ${now.state}`,
      );
    }
    if (c.runtimeTokenUuid === null) {
      const { token } = await createToken(tx, ctx.secrets, uuid.slice(0, 5), {
        userUuid: c.runtimeUserUuid,
        scopes: c.runtimeAuthScopes,
      });
      await tx.container.update({
        where: { uuid },
        data: { authUuid: token.uuid },
        select: { uuid: true },
      });
    }
    changes.container(uuid);
  });
}

/** Back to QUEUED (LOCKED only, by the locking token only). */
export async function unlockContainer(ctx: DomainContext, uuid: string): Promise<void> {
  const { caller } = ctx;
  await writeTransaction(ctx, async (tx, changes) => {
    const c = await visibleContainer(tx, caller, uuid, { lock: true });
    if (c.state !== 'LOCKED') throw conflict(`cannot unlock when ${c.state}`);
    if (c.lockedByUuid !== caller.token.uuid) throw forbidden('Not locked by your token');
    await applyTransition(tx, c, { state: 'QUEUED' }, changes);
  });
}

/**
 * Dispatcher and container updates (design.md §5). Admins (the locking dispatcher among them) may set
 * state, priority, progress, log, output, runtimeStatus and exitCode; the container's own token
 * (its generated token or its runtime token), only while RUNNING, state COMPLETE/CANCELLED,
 * exitCode, progress, output and runtimeStatus. Anyone else: FORBIDDEN.
 */
export async function updateContainer(
  ctx: DomainContext,
  uuid: string,
  input: UpdateContainerInput,
): Promise<void> {
  const { caller } = ctx;
  const data = validateContainerUpdate(input);
  await writeTransaction(ctx, async (tx, changes) => {
    const c = await visibleContainer(tx, caller, uuid, { lock: true });
    if (!caller.user.isAdmin) {
      if (!isOwnToken(c, caller))
        throw forbidden('Only the dispatcher or the container itself may update a container');
      if (c.state !== 'RUNNING') throw forbidden('A container may update itself only while RUNNING');
      const extra = (Object.keys(input) as (keyof UpdateContainerInput)[]).find(
        (k) => input[k] !== undefined && !SELF_FIELDS.has(k),
      );
      if (extra) throw forbidden(`A container may not set ${extra}`);
      if (data.state && data.state !== 'COMPLETE' && data.state !== 'CANCELLED' && data.state !== 'RUNNING') {
        throw forbidden('A container may only set its state to COMPLETE or CANCELLED');
      }
    }
    const to = data.state ?? c.state;
    if (input.exitCode != null && to !== 'COMPLETE')
      throw badInput('exitCode', 'exitCode may only be set with the move to COMPLETE');
    if (to !== c.state) {
      if (to === 'LOCKED') throw conflict('Use lockContainer to lock a container');
      if (!canTransition(c.state, to)) throw conflict(`cannot change state from ${c.state} to ${to}`);
      if (to === 'QUEUED' && c.lockedByUuid !== caller.token.uuid)
        throw forbidden('Not locked by your token');
    } else if (isFinal(c.state)) {
      throw conflict(`cannot update a container in state ${c.state}`);
    }
    await applyTransition(tx, c, data, changes);
  });
}

/**
 * Writes an update and everything a state change implies (design.md §5): startedAt on RUNNING;
 * leaving LOCKED/RUNNING releases the lock and expires the generated token; unlock clears
 * runtimeStatus; entering COMPLETE/CANCELLED sets finishedAt and scrubs the secrets in the
 * same write, then retries or finalizes the requests and cancels the children.
 */
async function applyTransition(
  tx: Db,
  c: StateRow,
  data: ContainerUpdate,
  changes: ChangeSet,
): Promise<void> {
  const to = data.state ?? c.state;
  const entering = to !== c.state;
  const now = new Date();
  const write: Prisma.ContainerUpdateInput = { ...data };
  if (data.runtimeStatus !== undefined)
    write.runtimeStatus = jsonColumn(data.runtimeStatus as Prisma.InputJsonObject);
  if (entering && to === 'RUNNING') write.startedAt = now;
  if (entering && to === 'QUEUED') write.runtimeStatus = {};
  if (entering && isActive(c.state) && !isActive(to)) {
    write.lockedByUuid = null;
    write.authUuid = null;
    if (c.authUuid) {
      await expireToken(tx, c.authUuid, now);
      changes.tokenExpired(c.authUuid);
    }
  }
  let retry: Retry | null = null;
  if (entering && isFinal(to)) {
    write.finishedAt = now;
    write.runtimeToken = null;
    write.secretMounts = {};
    const requests = to === 'CANCELLED' ? await retryableRequests(tx, c.uuid) : [];
    if (requests.length > 0) {
      // The retry path copies the secrets before the scrub erases them.
      const secrets = await tx.container.findUniqueOrThrow({
        where: { uuid: c.uuid },
        select: { runtimeToken: true, secretMounts: true },
      });
      retry = { requests, ...secrets };
    }
  }
  const after = await tx.container.update({
    where: { uuid: c.uuid },
    data: write,
    select: { log: true, output: true },
  });
  changes.container(c.uuid);
  if (entering && isFinal(to)) await afterFinal(tx, c.uuid, after, retry, changes);
  // Back in the queue (unlocked) with nobody wanting it: withdrawn work, cancelled now.
  if (entering && to === 'QUEUED') await cancelIfUnwanted(tx, c.uuid, changes);
}

/**
 * A request dropped its claim on a container (its priority set to 0, finalized, deleted, or its
 * parent finished): the container's priority is worked out again, and a QUEUED container that
 * no active request wants any more is cancelled in the same transaction (design.md §3,
 * "Withdrawn work"), so its secrets are scrubbed and its requests finalized now rather than
 * waiting at priority 0 forever.
 */
export async function dropClaim(tx: Db, containerUuid: string, changes: ChangeSet): Promise<void> {
  await recomputeContainerPriority(tx, containerUuid, changes);
  await cancelIfUnwanted(tx, containerUuid, changes);
}

/** Cancels the container if it is QUEUED and no COMMITTED request with priority > 0 points at it. */
async function cancelIfUnwanted(tx: Db, containerUuid: string, changes: ChangeSet): Promise<void> {
  await lockRow(tx, 'containers', containerUuid);
  const c = await tx.container.findUnique({ where: { uuid: containerUuid }, select: STATE_SELECT });
  if (c?.state !== 'QUEUED') return;
  const wanted = await tx.containerRequest.findFirst({
    where: { containerUuid, state: 'COMMITTED', priority: { gt: 0 } },
    select: { uuid: true },
  });
  if (!wanted) await applyTransition(tx, c, { state: 'CANCELLED' }, changes);
}

/** A retry after CANCELLED: the requests that move, and the secrets read before the scrub. */
interface Retry {
  requests: { uuid: string }[];
  runtimeToken: string | null;
  secretMounts: Prisma.JsonValue;
}

// The request fields and runtime identity a retry copies (the secrets come separately).
const RETRY_COPY_SELECT = {
  ...COPIED_FIELDS,
  runtimeUserUuid: true,
  runtimeAuthScopes: true,
  runtimeTokenUuid: true,
  secretMountsMd5: true,
  reuseHash: true,
} satisfies Prisma.ContainerSelect;

async function retryableRequests(tx: Db, containerUuid: string) {
  const rows = await tx.containerRequest.findMany({
    where: { containerUuid, state: 'COMMITTED', priority: { gt: 0 } },
    select: { uuid: true, containerCount: true, containerCountMax: true },
  });
  return rows.filter((r) => r.containerCount < r.containerCountMax);
}

async function afterFinal(
  tx: Db,
  uuid: string,
  result: { log: string | null; output: string | null },
  retry: Retry | null,
  changes: ChangeSet,
): Promise<void> {
  if (retry) {
    const old = await tx.container.findUniqueOrThrow({ where: { uuid }, select: RETRY_COPY_SELECT });
    const newUuid = await createContainer(tx, uuid.slice(0, 5), {
      ...old,
      ...withJsonColumns(copiedFields(old), COPIED_JSON_FIELDS),
      runtimeToken: retry.runtimeToken,
      secretMounts: (retry.secretMounts ?? {}) as Prisma.InputJsonObject,
    });
    await tx.containerRequest.updateMany({
      where: { uuid: { in: retry.requests.map((r) => r.uuid) } },
      data: { containerUuid: newUuid, containerCount: { increment: 1 } },
    });
    for (const r of retry.requests) changes.containerRequest(r.uuid);
    changes.container(newUuid);
    await recomputeContainerPriority(tx, newUuid, changes);
  }
  await finalizeRequests(tx, { containerUuid: uuid }, result, changes);
  await recomputeContainerPriority(tx, uuid, changes);
  await cancelChildren(tx, uuid, changes);
}

/** Requests made by a finished container: priority 0; finalized where their container has not started. */
async function cancelChildren(tx: Db, parentUuid: string, changes: ChangeSet): Promise<void> {
  const children = await tx.containerRequest.findMany({
    where: { requestingContainerUuid: parentUuid, state: 'COMMITTED' },
    select: { uuid: true, containerUuid: true, container: { select: { state: true } } },
  });
  if (children.length === 0) return;
  await tx.containerRequest.updateMany({
    where: { uuid: { in: children.map((c) => c.uuid) } },
    data: { priority: 0 },
  });
  const notStarted = children.filter(
    (c) => c.container && (c.container.state === 'QUEUED' || c.container.state === 'LOCKED'),
  );
  if (notStarted.length)
    await finalizeRequests(
      tx,
      { uuid: { in: notStarted.map((c) => c.uuid) } },
      { log: null, output: null },
      changes,
    );
  for (const c of children) changes.containerRequest(c.uuid);
  for (const containerUuid of new Set(children.map((c) => c.containerUuid).filter((u): u is string => !!u))) {
    await dropClaim(tx, containerUuid, changes);
  }
}

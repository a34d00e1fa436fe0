import { Prisma } from '../db/client.js';
import { withJsonColumns } from '../db/json-column.js';
import { prepared } from '../db/prepared.js';
import { badInput, conflict, notFound } from '../errors.js';
import { newUuid } from '../format/uuid.js';
import { secretMountsMd5 } from './canonical.js';
import { writeTransaction } from './changes.js';
import {
  type CommittedRequestRow,
  type CommittingRequest,
  commitStoredRequest,
  type NewRequestColumns,
  reuseKey,
  reuseLockSql,
  writeCommit,
} from './commit.js';
import {
  type ContainerRequestInput,
  checkCommittable,
  checkModifiable,
  checkSecretMountKeys,
  checkStateChange,
  validateFields,
} from './container-request-input.js';
import { dropClaim } from './containers.js';
import type { DomainContext } from './context.js';
import { finalizeRequests } from './finalize.js';
import { generatedTokenContainerSql, lockActiveParent, lockRequestWithContainer } from './locks.js';
import { COPIED_FIELDS, COPIED_JSON_FIELDS } from './new-container.js';
import { inheritedRequestPriority } from './priority.js';
import {
  identityOf,
  localRuntimeToken,
  type RuntimeIdentity,
  resolveRuntimeIdentity,
} from './runtime-identity.js';
import { type TokenUserRow, tokenRowSql, validTokenOf } from './tokens.js';
import { containerRequestVisibleWhere } from './visibility.js';

// Everything a commit needs from the request row. Not the runtime token: the commit gets it,
// validated, in the RuntimeIdentity, so no create or update has to read the column back.
const COMMIT_SELECT = {
  ...COPIED_FIELDS,
  uuid: true,
  state: true,
  priority: true,
  useExisting: true,
  secretMounts: true,
  requestingContainerUuid: true,
  createdAt: true,
} satisfies Prisma.ContainerRequestSelect;

// The stored values an update is compared with: re-sending an unchanged value is no change.
// Secrets are not read, so runtimeToken and secretMounts always count as changed.
const MODIFIABLE_SELECT = {
  ...COPIED_FIELDS,
  state: true,
  name: true,
  description: true,
  properties: true,
  priority: true,
  useExisting: true,
  containerCountMax: true,
} satisfies Prisma.ContainerRequestSelect;

// The request's JSON columns, as Prisma writes them (every key kept: src/db/json-column.ts).
const JSON_FIELDS = [...COPIED_JSON_FIELDS, 'properties'] as const;

/**
 * Creates a request (UNCOMMITTED, or COMMITTED at once); returns its uuid and, when committed,
 * its readable columns as the commit statement wrote them (a client's answer needs no re-read).
 */
export async function createContainerRequest(
  ctx: DomainContext,
  input: ContainerRequestInput,
): Promise<{ uuid: string; row: CommittedRequestRow | null }> {
  const { caller } = ctx;
  const state = input.state ?? 'UNCOMMITTED';
  checkStateChange('UNCOMMITTED', state); // a request is born UNCOMMITTED, and may commit at once
  const fields = validateFields(input);
  for (const f of ['command', 'containerImage', 'outputPath'] as const) {
    if (fields[f] === undefined) throw badInput(f, `${f} is required`);
  }
  checkSecretMountKeys({ mounts: fields.mounts, secretMounts: fields.secretMounts });
  const runtimeToken = input.runtimeToken ?? null;
  // A runtime token of this cluster is read by the transaction's first statement; any other is
  // validated before the transaction (its home cluster may have to be asked).
  const local = runtimeToken === null ? null : localRuntimeToken(runtimeToken, ctx.config.clusterId);
  const validated = local
    ? null
    : await resolveRuntimeIdentity(ctx.validator, runtimeToken, caller.user.uuid);
  const committing = state === 'COMMITTED';

  return writeTransaction(ctx, async (tx, changes) => {
    const uuid = newUuid(ctx.config.clusterId, 'containerRequest');
    // The copied fields as written (missing JSON as {}), both to the request and to a new container.
    const copied = {
      command: fields.command!,
      containerImage: fields.containerImage!,
      cwd: fields.cwd ?? '.',
      environment: fields.environment ?? {},
      mounts: fields.mounts ?? {},
      outputPath: fields.outputPath!,
      runtimeConstraints: fields.runtimeConstraints ?? {},
      schedulingParameters: fields.schedulingParameters ?? {},
    };
    const sealedMounts = ctx.secrets.sealMounts(fields.secretMounts ?? {});
    const row: CommittingRequest = {
      ...copied,
      uuid,
      priority: fields.priority ?? null,
      useExisting: fields.useExisting ?? true,
      secretMounts: sealedMounts,
      requestingContainerUuid: caller.knownContainerUuid() ?? null,
      createdAt: new Date(),
    };
    // One statement for the reuse lock, for the caller's container when it is not known yet (a
    // container's own token makes child requests), and for a local runtime token's row.
    const parentUnknown = caller.knownContainerUuid() === undefined;
    const items = [
      ...(committing && row.useExisting
        ? [Prisma.sql`${reuseLockSql(row, secretMountsMd5(fields.secretMounts ?? {}))}::text AS locked`]
        : []),
      ...(parentUnknown ? [Prisma.sql`${generatedTokenContainerSql(caller.token.uuid)} AS parent`] : []),
      ...(local ? [Prisma.sql`rt.*`] : []),
    ];
    let identity = validated;
    if (items.length > 0) {
      const from = local
        ? Prisma.sql` FROM (SELECT 1) AS one LEFT JOIN (${tokenRowSql(local)}) AS rt ON true`
        : Prisma.empty;
      // Prepared (db/prepared.ts): one text per combination of the three items.
      const [found] = await tx.$queryRaw<(TokenUserRow & { parent?: string | null })[]>(
        prepared(Prisma.sql`SELECT ${Prisma.join(items)}${from}`),
      );
      if (parentUnknown) row.requestingContainerUuid = found?.parent ?? null;
      if (local) identity = identityOf(validTokenOf(found?.uuid ? found : undefined, local), runtimeToken!);
    }
    const key = committing ? reuseKey(row, identity!, ctx.secrets) : null;
    let parentPriority: bigint | null = null;
    if (row.requestingContainerUuid) {
      parentPriority = await lockActiveParent(tx, row.requestingContainerUuid);
      row.priority = await inheritedRequestPriority(tx, row.requestingContainerUuid);
    }
    const columns: NewRequestColumns = {
      ownerUuid: caller.user.uuid,
      name: fields.name ?? null,
      description: fields.description ?? null,
      properties: fields.properties ?? {},
      containerCountMax: fields.containerCountMax ?? ctx.config.containerCountMax,
      runtimeToken: ctx.secrets.sealToken(runtimeToken),
    };
    if (key) {
      checkCommittable({ priority: row.priority, runtimeConstraints: fields.runtimeConstraints });
      const committed = await writeCommit(
        tx,
        { cr: row, key, identity: identity!, parentPriority, insert: columns, notify: ctx.notifySql },
        changes,
        ctx.secrets,
      );
      return { uuid, row: committed.request };
    }
    await tx.containerRequest.create({
      data: {
        ...columns,
        ...withJsonColumns({ ...copied, properties: fields.properties ?? {} }, JSON_FIELDS),
        uuid,
        priority: row.priority,
        useExisting: row.useExisting,
        secretMounts: sealedMounts,
        requestingContainerUuid: row.requestingContainerUuid,
        createdAt: row.createdAt,
        modifiedByUserUuid: caller.user.uuid,
        state: 'UNCOMMITTED',
      },
      select: { uuid: true },
    });
    changes.containerRequest(uuid);
    return { uuid, row: null };
  });
}

/** Updates a request within the per-state whitelist; commits or finalizes on a state change. */
export async function updateContainerRequest(
  ctx: DomainContext,
  uuid: string,
  input: ContainerRequestInput,
): Promise<void> {
  const { caller } = ctx;
  const where = { uuid, AND: [containerRequestVisibleWhere(caller)] };
  const current = await ctx.prisma.containerRequest.findFirst({ where, select: MODIFIABLE_SELECT });
  if (!current) throw notFound('Container request not found');
  const to = input.state ?? current.state;
  checkStateChange(current.state, to);
  checkModifiable(input, current.state, current);
  const fields = validateFields(input);

  // Runtime identity is settled before the transaction (a remote cluster may be asked).
  let identity: RuntimeIdentity | null = null;
  let validatedToken: string | null | undefined;
  if (input.runtimeToken !== undefined || (current.state === 'UNCOMMITTED' && to === 'COMMITTED')) {
    if (input.runtimeToken !== undefined) validatedToken = input.runtimeToken;
    else {
      const stored = await ctx.prisma.containerRequest.findUnique({
        where: { uuid },
        select: { runtimeToken: true },
      });
      if (!stored) throw notFound('Container request not found'); // deleted meanwhile
      validatedToken = ctx.secrets.openToken(stored.runtimeToken);
    }
    identity = await resolveRuntimeIdentity(ctx.validator, validatedToken, caller.user.uuid);
  }

  await writeTransaction(ctx, async (tx, changes) => {
    await lockRequestWithContainer(tx, uuid);
    const row = await tx.containerRequest.findFirst({
      where,
      select: { ...MODIFIABLE_SELECT, ...COMMIT_SELECT, containerUuid: true },
    });
    if (!row) throw notFound('Container request not found');
    // The same checks on the locked row: another writer may have moved it on since.
    const target = input.state ?? row.state;
    checkStateChange(row.state, target);
    checkModifiable(input, row.state, row);
    const committing = row.state === 'UNCOMMITTED' && target === 'COMMITTED';
    // The identity must come from the token stored now; it is read again only on this path.
    const tokenChanged =
      committing &&
      input.runtimeToken === undefined &&
      ctx.secrets.openToken(
        (await tx.containerRequest.findUniqueOrThrow({ where: { uuid }, select: { runtimeToken: true } }))
          .runtimeToken,
      ) !== validatedToken;
    if (committing && (!identity || tokenChanged))
      throw conflict('The container request changed concurrently; retry');
    const merged = { ...row, ...fields };
    // The stored secret mounts are sealed: their keys are compared opened.
    checkSecretMountKeys({
      mounts: merged.mounts,
      secretMounts: fields.secretMounts ?? ctx.secrets.openMounts(row.secretMounts),
    });
    if (target === 'COMMITTED') checkCommittable(merged);

    const updated = await tx.containerRequest.update({
      where: { uuid },
      data: {
        ...withJsonColumns(fields, JSON_FIELDS),
        ...(fields.secretMounts !== undefined
          ? { secretMounts: ctx.secrets.sealMounts(fields.secretMounts) }
          : {}),
        ...(input.runtimeToken !== undefined
          ? { runtimeToken: ctx.secrets.sealToken(input.runtimeToken) }
          : {}),
        modifiedByUserUuid: caller.user.uuid,
      },
      select: { ...COMMIT_SELECT, containerUuid: true },
    });
    changes.containerRequest(uuid);

    if (committing) {
      await commitStoredRequest(tx, updated, identity!, changes, ctx.secrets, ctx.notifySql);
    } else if (row.state === 'COMMITTED' && target === 'FINAL') {
      const container = updated.containerUuid
        ? await tx.container.findUnique({
            where: { uuid: updated.containerUuid },
            select: { log: true, output: true },
          })
        : null;
      await finalizeRequests(tx, { uuid }, container ?? { log: null, output: null }, changes);
      if (updated.containerUuid) await dropClaim(tx, updated.containerUuid, changes);
    } else if (row.state === 'COMMITTED' && updated.containerUuid && fields.priority !== undefined) {
      await dropClaim(tx, updated.containerUuid, changes);
    }
  });
}

/**
 * Deletes a request; a COMMITTED one drops its claim on its container (re-prioritised, and
 * cancelled if it is QUEUED and no other request wants it: design.md §3).
 */
export async function deleteContainerRequest(ctx: DomainContext, uuid: string): Promise<void> {
  const { caller } = ctx;
  await writeTransaction(ctx, async (tx, changes) => {
    // Locked before it is read: a commit in flight is waited for, not missed.
    await lockRequestWithContainer(tx, uuid);
    const row = await tx.containerRequest.findFirst({
      where: { uuid, AND: [containerRequestVisibleWhere(caller)] },
      select: { state: true, containerUuid: true },
    });
    if (!row) throw notFound('Container request not found');
    await tx.containerRequest.delete({ where: { uuid }, select: { uuid: true } });
    changes.containerRequest(uuid);
    // Its claim goes with it: the container's priority is worked out again without it.
    if (row.state === 'COMMITTED' && row.containerUuid) await dropClaim(tx, row.containerUuid, changes);
  });
}

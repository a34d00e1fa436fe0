import type { Db } from '../db/client.js';
import { badInput, conflict, notFound } from '../errors.js';
import type { SecretBox } from '../format/secret-box.js';
import { newUuid } from '../format/uuid.js';
import type { Prisma } from '../generated/prisma/client.js';
import { secretMountsMd5 } from './canonical.js';
import { type ChangeSet, writeTransaction } from './changes.js';
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
import { lockActiveParent, lockRequestWithContainer } from './locks.js';
import { COPIED_FIELDS, copiedFields, createContainer } from './new-container.js';
import { inheritedRequestPriority, recomputeContainerPriority } from './priority.js';
import { findReusableContainer, reuseHash } from './reuse.js';
import { type RuntimeIdentity, resolveRuntimeIdentity } from './runtime-identity.js';
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
} satisfies Prisma.ContainerRequestSelect;
type CommitRow = Prisma.ContainerRequestGetPayload<{ select: typeof COMMIT_SELECT }>;

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

/** Creates a request (UNCOMMITTED, or COMMITTED at once); returns its uuid. */
export async function createContainerRequest(
  ctx: DomainContext,
  input: ContainerRequestInput,
): Promise<string> {
  const { caller } = ctx;
  const state = input.state ?? 'UNCOMMITTED';
  checkStateChange('UNCOMMITTED', state); // a request is born UNCOMMITTED, and may commit at once
  const fields = validateFields(input);
  for (const f of ['command', 'containerImage', 'outputPath'] as const) {
    if (fields[f] === undefined) throw badInput(f, `${f} is required`);
  }
  checkSecretMountKeys({ mounts: fields.mounts, secretMounts: fields.secretMounts });
  const runtimeToken = input.runtimeToken ?? null;
  // Validate before the transaction: a remote cluster may have to be asked.
  const identity = await resolveRuntimeIdentity(ctx.validator, runtimeToken, caller.user.uuid);

  const parent = await caller.containerUuid(); // before the transaction: it may query

  return writeTransaction(ctx, async (tx, changes) => {
    let priority = fields.priority ?? null;
    if (parent) {
      await lockActiveParent(tx, parent);
      priority = await inheritedRequestPriority(tx, parent);
    }
    if (state === 'COMMITTED') checkCommittable({ priority, runtimeConstraints: fields.runtimeConstraints });
    const uuid = newUuid(ctx.config.clusterId, 'containerRequest');
    const row = await tx.containerRequest.create({
      data: {
        ...fields,
        command: fields.command!,
        containerImage: fields.containerImage!,
        outputPath: fields.outputPath!,
        properties: fields.properties ?? {},
        environment: fields.environment ?? {},
        mounts: fields.mounts ?? {},
        runtimeConstraints: fields.runtimeConstraints ?? {},
        schedulingParameters: fields.schedulingParameters ?? {},
        secretMounts: ctx.secrets.sealMounts(fields.secretMounts ?? {}),
        containerCountMax: fields.containerCountMax ?? ctx.config.containerCountMax,
        uuid,
        ownerUuid: caller.user.uuid,
        modifiedByUserUuid: caller.user.uuid,
        priority,
        runtimeToken: ctx.secrets.sealToken(runtimeToken),
        requestingContainerUuid: parent,
        state: 'UNCOMMITTED',
      },
      select: COMMIT_SELECT,
    });
    changes.containerRequest(uuid);
    if (state === 'COMMITTED') await commitRequest(tx, row, identity, changes, ctx.secrets);
    return uuid;
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
        ...fields,
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
      await commitRequest(tx, updated, identity!, changes, ctx.secrets);
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

/**
 * design.md §3 commit steps 2–4, inside the caller's transaction: reuse a container or create a new
 * QUEUED one, point the request at it, recompute its priority, and finalize the request at once
 * if the container is already COMPLETE.
 */
export async function commitRequest(
  tx: Db,
  cr: CommitRow,
  identity: RuntimeIdentity,
  changes: ChangeSet,
  secrets: SecretBox,
): Promise<void> {
  // A child committed after its parent finished would wait forever at priority 0.
  if (cr.requestingContainerUuid) await lockActiveParent(tx, cr.requestingContainerUuid);
  // The request's secret mounts are stored sealed: opened here for their digest only, and
  // handed to the container sealed as they are.
  const md5 = secretMountsMd5(secrets.openMounts(cr.secretMounts));
  const hash = reuseHash({
    ...cr,
    secretMountsMd5: md5,
    runtimeUserUuid: identity.runtimeUserUuid,
    runtimeAuthScopes: identity.runtimeAuthScopes,
  });
  let containerUuid: string | null = null;
  if (cr.useExisting) {
    // Two identical commits at once must not both miss each other's new container.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${hash}))`;
    containerUuid = await findReusableContainer(tx, hash);
  }
  if (!containerUuid) {
    containerUuid = await createContainer(tx, cr.uuid.slice(0, 5), {
      ...copiedFields(cr),
      secretMounts: cr.secretMounts ?? {},
      secretMountsMd5: md5,
      reuseHash: hash,
      ...identity,
      runtimeToken: secrets.sealToken(identity.runtimeToken),
    });
    changes.container(containerUuid);
  }
  await tx.containerRequest.update({
    where: { uuid: cr.uuid },
    data: { state: 'COMMITTED', containerUuid, containerCount: { increment: 1 } },
    select: { uuid: true },
  });
  changes.containerRequest(cr.uuid);
  const container = await tx.container.findUniqueOrThrow({
    where: { uuid: containerUuid },
    select: { state: true, log: true, output: true },
  });
  if (container.state === 'COMPLETE') await finalizeRequests(tx, { uuid: cr.uuid }, container, changes);
  // After the finalize: a request finalized at once gives a COMPLETE container no claim.
  await recomputeContainerPriority(tx, containerUuid, changes);
}

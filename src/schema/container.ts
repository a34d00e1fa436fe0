import type { Context } from '../core/context.js';
import { containerAuth, containerSecretMounts } from '../domain/container-auth.js';
import { lockContainer, unlockContainer, updateContainer } from '../domain/containers.js';
import { containerOrderBy, dispatcherConcern } from '../domain/queue.js';
import { containerRequestVisibleWhere, containerVisibleWhere } from '../domain/visibility.js';
import { badInput, notFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { callerOf } from './caller.js';
import { changedUuid, domainOf, filteredChanges, subscribeWhileVisible } from './changes.js';
import { NEWEST_FIRST } from './container-request.js';
import { ContainerStateEnum, OrderDirectionEnum } from './enums.js';
import type { WithApiToken } from './token.js';

// select mode: runtime_token and secret_mounts are never loaded for output.
builder.prismaNode('Container', {
  id: { field: 'uuid' },
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [containerVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid'),
    state: t.expose('state', { type: ContainerStateEnum }),
    priority: t.float({
      description: '(priority << 50) - createdAt ms of the highest request; a Float (exact up to 2^53).',
      select: { priority: true },
      resolve: (c) => Number(c.priority),
    }),
    command: t.exposeStringList('command'),
    containerImage: t.exposeString('containerImage'),
    cwd: t.exposeString('cwd'),
    environment: t.expose('environment', { type: 'JSON' }),
    mounts: t.expose('mounts', { type: 'JSON' }),
    outputPath: t.exposeString('outputPath'),
    runtimeConstraints: t.expose('runtimeConstraints', { type: 'JSON' }),
    schedulingParameters: t.expose('schedulingParameters', { type: 'JSON' }),
    runtimeUserUuid: t.exposeID('runtimeUserUuid'),
    runtimeAuthScopes: t.exposeStringList('runtimeAuthScopes'),
    lockedByUuid: t.exposeID('lockedByUuid', { nullable: true }),
    authUuid: t.exposeID('authUuid', { nullable: true }),
    exitCode: t.exposeInt('exitCode', { nullable: true }),
    log: t.exposeString('log', { nullable: true }),
    output: t.exposeString('output', { nullable: true }),
    progress: t.exposeFloat('progress', { nullable: true }),
    runtimeStatus: t.expose('runtimeStatus', { type: 'JSON' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    modifiedAt: t.expose('modifiedAt', { type: 'DateTime' }),
    containerRequests: t.relatedConnection(
      'requests',
      {
        cursor: 'uuid',
        description: 'The container requests the caller can see that point at this container, newest first.',
        totalCount: true,
        query: (_args, ctx) => ({
          where: containerRequestVisibleWhere(callerOf(ctx)),
          orderBy: NEWEST_FIRST,
        }),
      },
      { name: 'ContainerContainerRequestsConnection' },
      { name: 'ContainerContainerRequestsEdge' },
    ),
  }),
});

const ContainerFilter = builder.inputType('ContainerFilter', {
  fields: (t) => ({
    state: t.field({ type: ContainerStateEnum }),
    lockedByUuid: t.id(),
    minPriority: t.float({
      description: 'Containers with priority ≥ this (a dispatcher lists {state: QUEUED, minPriority: 1}).',
    }),
  }),
});

const ContainerOrderFieldEnum = builder.enumType('ContainerOrderField', {
  values: {
    CREATED_AT: { description: 'Creation time.' },
    PRIORITY: {
      description:
        'Priority: with DESC, what a dispatcher runs first (served by an index with the state filter).',
    },
  } as const,
});

const ContainerOrder = builder.inputType('ContainerOrder', {
  description: 'A list order; ties are broken by uuid in the same direction.',
  fields: (t) => ({
    field: t.field({ type: ContainerOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, required: true }),
  }),
});

function containerWhere(
  ctx: Context,
  f: typeof ContainerFilter.$inferInput | null | undefined,
): Prisma.ContainerWhereInput {
  // Priorities are signed 64-bit integers: a bound outside that range would fail in the database.
  if (f?.minPriority != null && Math.abs(f.minPriority) >= 2 ** 63)
    throw badInput('minPriority', 'minPriority must be within ±2^63');
  return {
    AND: [
      containerVisibleWhere(callerOf(ctx)),
      {
        ...(f?.state ? { state: f.state } : {}),
        ...(f?.lockedByUuid ? { lockedByUuid: f.lockedByUuid } : {}),
        ...(f?.minPriority != null ? { priority: { gte: BigInt(Math.ceil(f.minPriority)) } } : {}),
      },
    ],
  };
}

/** A container through the caller's visibility (also the re-read after a change): NOT_FOUND if not visible. */
async function loadContainer(ctx: Context, query: object, uuid: string) {
  const c = await ctx.services.db.prisma.container.findFirst({
    ...query,
    where: { uuid, AND: [containerVisibleWhere(callerOf(ctx))] },
  });
  if (!c) throw notFound('Container not found');
  return c;
}

builder.queryFields((t) => ({
  container: t.prismaField({
    type: 'Container',
    args: { uuid: t.arg.id({ required: true }) },
    resolve: (query, _root, { uuid }, ctx) => loadContainer(ctx, query, uuid),
  }),
  containers: t.prismaConnection(
    {
      type: 'Container',
      cursor: 'uuid',
      description:
        'Newest first unless orderBy says otherwise. A dispatcher takes work with {filter: {state: QUEUED, minPriority: 1}, orderBy: {field: PRIORITY, direction: DESC}}.',
      args: { filter: t.arg({ type: ContainerFilter }), orderBy: t.arg({ type: ContainerOrder }) },
      resolve: (query, _root, args, ctx) =>
        ctx.services.db.prisma.container.findMany({
          ...query,
          where: containerWhere(ctx, args.filter),
          orderBy: containerOrderBy(args.orderBy?.field ?? 'CREATED_AT', args.orderBy?.direction ?? 'DESC'),
        }),
      totalCount: (_conn, args, ctx) =>
        ctx.services.db.prisma.container.count({ where: containerWhere(ctx, args.filter) }),
    },
    { name: 'ContainerConnection' },
    { name: 'ContainerEdge' },
  ),
  containerAuth: t.withAuth({ loggedIn: true }).prismaField({
    type: 'ApiClientAuthorization',
    description: 'The token the container must run with (apiToken set), for the token holding its lock only.',
    args: { uuid: t.arg.id({ required: true }) },
    resolve: async (query, _root, { uuid }, ctx) => {
      const { tokenUuid, apiToken } = await containerAuth(domainOf(ctx), uuid);
      const row = await ctx.services.db.prisma.apiClientAuthorization.findUniqueOrThrow({
        ...query,
        where: { uuid: tokenUuid },
      });
      return { ...row, apiToken } satisfies WithApiToken as typeof row;
    },
  }),
  currentContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    description:
      "The container the caller's token belongs to (its generated token, or its runtime token in container-bound form).",
    resolve: async (query, _root, _args, ctx) => {
      const uuid = await ctx.caller.containerUuid();
      if (!uuid) throw notFound('Token is not associated with a container');
      return ctx.services.db.prisma.container.findUniqueOrThrow({ ...query, where: { uuid } });
    },
  }),
  containerSecretMounts: t.withAuth({ loggedIn: true }).field({
    type: 'JSON',
    description: "The container's secret mounts, for the container's own token only.",
    args: { uuid: t.arg.id({ required: true }) },
    resolve: (_root, { uuid }, ctx) => containerSecretMounts(domainOf(ctx), uuid),
  }),
}));

const UpdateContainerInput = builder.inputType('UpdateContainerInput', {
  fields: (t) => ({
    state: t.field({ type: ContainerStateEnum }),
    priority: t.float(),
    progress: t.float(),
    log: t.string(),
    output: t.string(),
    runtimeStatus: t.field({ type: 'JSON' }),
    exitCode: t.int({ description: 'Only with the move to COMPLETE.' }),
  }),
});

builder.mutationFields((t) => ({
  lockContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    args: { uuid: t.arg.id({ required: true }) },
    resolve: async (query, _root, { uuid }, ctx) => {
      await lockContainer(domainOf(ctx), uuid);
      return loadContainer(ctx, query, uuid);
    },
  }),
  unlockContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    args: { uuid: t.arg.id({ required: true }) },
    resolve: async (query, _root, { uuid }, ctx) => {
      await unlockContainer(domainOf(ctx), uuid);
      return loadContainer(ctx, query, uuid);
    },
  }),
  updateContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    args: {
      uuid: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateContainerInput, required: true }),
    },
    resolve: async (query, _root, { uuid, input }, ctx) => {
      await updateContainer(domainOf(ctx), uuid, input);
      return loadContainer(ctx, query, uuid);
    },
  }),
}));

builder.subscriptionField('containerUpdated', (t) =>
  t.prismaField({
    type: 'Container',
    description: 'An event after each committed change, to those who may see the container.',
    args: { uuid: t.arg.id({ required: true }) },
    subscribe: (_root, { uuid }, ctx) => {
      const where = { uuid, AND: [containerVisibleWhere(callerOf(ctx))] };
      const visible = async () =>
        !!(await ctx.services.db.prisma.container.findFirst({ where, select: { uuid: true } }));
      return subscribeWhileVisible(ctx, 'containerUpdated', uuid, visible, 'Container not found');
    },
    resolve: (query, payload, _args, ctx) => loadContainer(ctx, query, changedUuid(payload)),
  }),
);

builder.subscriptionField('containerQueueUpdated', (t) =>
  t.prismaField({
    type: 'Container',
    description:
      "What a dispatcher holds to react without polling: an event after each change of a container that is QUEUED with priority > 0 (new work, a new priority), and of each container the caller's token has locked, the change that releases it included (a priority fallen to 0, a cancellation by someone else).",
    subscribe: async (_root, _args, ctx) => {
      const concerns = await dispatcherConcern(domainOf(ctx));
      return filteredChanges(ctx, ctx.services.events.subscribe('anyContainerUpdated'), concerns);
    },
    resolve: (query, payload, _args, ctx) => loadContainer(ctx, query, changedUuid(payload)),
  }),
);

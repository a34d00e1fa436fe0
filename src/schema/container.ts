import type { Context } from '../core/context.js';
import { containerAuth, containerSecretMounts } from '../domain/container-auth.js';
import { containerListWhere, countContainers } from '../domain/container-counts.js';
import { isFinal } from '../domain/container-state.js';
import { lockContainer, unlockContainer, updateContainer } from '../domain/containers.js';
import { containerOrderBy, containerRequestOrderBy } from '../domain/list-order.js';
import { dispatcherConcern } from '../domain/queue.js';
import { containerRequestVisibleWhere, containerVisibleWhere } from '../domain/visibility.js';
import { notFound } from '../errors.js';
import type { ApiClientAuthorization } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { callerOf } from './caller.js';
import { changedUuid, domainOf, filteredChanges } from './changes.js';
import { ContainerOrder, ContainerRequestOrder, ContainerStateEnum } from './enums.js';
import { subscribeToObject } from './object-streams.js';
import { revealingApiToken } from './token.js';
import { mountsTypedField, runtimeConstraintsTypedField } from './typed-json.js';

// select mode: runtime_token and secret_mounts are never loaded for output.
builder.prismaNode('Container', {
  description:
    'The work itself: made by committing a container request, run by a dispatcher. Identical requests may share one.',
  id: { field: 'uuid' },
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [containerVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid', {
      description: "The container's uuid (`<cluster>-dz642-<15>`); also its `id`.",
    }),
    state: t.expose('state', {
      type: ContainerStateEnum,
      description: 'Where the container is in its life.',
    }),
    priority: t.field({
      type: 'BigInt',
      description:
        '(priority << 50) - createdAt in ms of its highest committed request (0 when none wants it): the queue order. A BigInt: exact.',
      select: { priority: true },
      resolve: (c) => c.priority,
    }),
    command: t.exposeStringList('command', { description: 'The command and its arguments.' }),
    containerImage: t.exposeString('containerImage', { description: 'The image the command runs in.' }),
    cwd: t.exposeString('cwd', { description: 'The working directory.' }),
    environment: t.expose('environment', {
      type: 'JSON',
      description: 'Environment variables (a JSON object).',
    }),
    mounts: t.expose('mounts', {
      type: 'JSON',
      description: 'What is mounted where: a JSON object from mount point to mount (see `mountsTyped`).',
    }),
    mountsTyped: t.field(mountsTypedField),
    outputPath: t.exposeString('outputPath', {
      description: 'The directory whose content becomes the output.',
    }),
    runtimeConstraints: t.expose('runtimeConstraints', {
      type: 'JSON',
      description: 'Resources, as a JSON object (see `runtimeConstraintsTyped`).',
    }),
    runtimeConstraintsTyped: t.field(runtimeConstraintsTypedField),
    schedulingParameters: t.expose('schedulingParameters', {
      type: 'JSON',
      description: 'Hints for the dispatcher (a JSON object).',
    }),
    runtimeUserUuid: t.exposeID('runtimeUserUuid', { description: 'The user it runs as.' }),
    runtimeAuthScopes: t.exposeStringList('runtimeAuthScopes', {
      description: 'The scopes of the token it runs with.',
    }),
    lockedByUuid: t.exposeID('lockedByUuid', {
      nullable: true,
      description: 'The uuid of the dispatcher token holding its lock.',
    }),
    authUuid: t.exposeID('authUuid', {
      nullable: true,
      description: 'The uuid of the token generated for it while it is locked or running.',
    }),
    exitCode: t.exposeInt('exitCode', { nullable: true, description: 'The exit code, once COMPLETE.' }),
    log: t.exposeString('log', { nullable: true, description: 'Its log, as reported by the dispatcher.' }),
    output: t.exposeString('output', {
      nullable: true,
      description: 'Its output, as reported by the dispatcher.',
    }),
    progress: t.exposeFloat('progress', { nullable: true, description: 'From 0 to 1, as reported.' }),
    runtimeStatus: t.expose('runtimeStatus', {
      type: 'JSON',
      description: 'Status details reported by the dispatcher (a JSON object; `error` marks a failing one).',
    }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it started RUNNING.',
    }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it became COMPLETE or CANCELLED.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    modifiedAt: t.expose('modifiedAt', { type: 'DateTime', description: 'When it last changed.' }),
    containerRequests: t.relatedConnection(
      'requests',
      {
        cursor: 'uuid',
        description:
          'The container requests the caller can see that point at this container: newest first unless orderBy says otherwise.',
        totalCount: true,
        args: { orderBy: t.arg({ type: ContainerRequestOrder, description: 'Default: CREATED_AT DESC.' }) },
        query: (args, ctx) => ({
          where: containerRequestVisibleWhere(callerOf(ctx)),
          orderBy: containerRequestOrderBy(args.orderBy),
        }),
      },
      { name: 'ContainerContainerRequestsConnection' },
      { name: 'ContainerContainerRequestsEdge' },
    ),
  }),
});

const ContainerFilter = builder.inputType('ContainerFilter', {
  description: 'Which containers to list; every given condition must hold.',
  fields: (t) => ({
    state: t.field({ type: ContainerStateEnum, description: 'In this state.' }),
    lockedByUuid: t.id({ description: 'Locked by this dispatcher token.' }),
    minPriority: t.field({
      type: 'BigInt',
      description: 'With priority ≥ this (a dispatcher lists {state: QUEUED, minPriority: 1}).',
    }),
  }),
});

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
    nullable: true,
    description:
      'One container: null, with a NOT_FOUND error, if it does not exist or the caller may not see it.',
    args: { uuid: t.arg.id({ required: true, description: "The container's uuid." }) },
    resolve: (query, _root, { uuid }, ctx) => loadContainer(ctx, query, uuid),
  }),
  containers: t.prismaConnection(
    {
      type: 'Container',
      cursor: 'uuid',
      description:
        'The containers the caller can see: newest first unless orderBy says otherwise. A dispatcher takes work with {filter: {state: QUEUED, minPriority: 1}, orderBy: {field: PRIORITY, direction: DESC}}.',
      args: {
        filter: t.arg({ type: ContainerFilter, description: 'Which containers.' }),
        orderBy: t.arg({ type: ContainerOrder, description: 'Default: CREATED_AT DESC.' }),
      },
      resolve: (query, _root, args, ctx) =>
        ctx.services.db.prisma.container.findMany({
          ...query,
          where: containerListWhere(callerOf(ctx), args.filter),
          orderBy: containerOrderBy(args.orderBy),
        }),
      totalCount: (_conn, args, ctx) => countContainers(ctx.services.db.prisma, callerOf(ctx), args.filter),
    },
    { name: 'ContainerConnection' },
    { name: 'ContainerEdge' },
  ),
  containerAuth: t.withAuth({ loggedIn: true }).prismaField({
    type: 'ApiClientAuthorization',
    nullable: true,
    description: 'The token the container must run with (apiToken set), for the token holding its lock only.',
    args: { uuid: t.arg.id({ required: true, description: "The container's uuid." }) },
    // The token's row comes from containerAuth's own statement, not read again: a selected
    // `user` is loaded by the relation itself. It has no secret columns, which the type's
    // fields never read (select mode: token.ts) though Prisma's row type has them.
    resolve: async (_query, _root, { uuid }, ctx) => {
      const { token, apiToken } = await containerAuth(domainOf(ctx), uuid);
      return revealingApiToken({ ...token } as ApiClientAuthorization, apiToken);
    },
  }),
  currentContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    nullable: true,
    description:
      "The container the caller's token belongs to (its generated token, or its runtime token in container-bound form); null with NOT_FOUND for any other token.",
    resolve: async (query, _root, _args, ctx) => {
      const uuid = await ctx.caller.containerUuid();
      if (!uuid) throw notFound('Token is not associated with a container');
      return ctx.services.db.prisma.container.findUniqueOrThrow({ ...query, where: { uuid } });
    },
  }),
  containerSecretMounts: t.withAuth({ loggedIn: true }).field({
    type: 'JSON',
    nullable: true,
    description: "The container's secret mounts, for the container's own token only.",
    args: { uuid: t.arg.id({ required: true, description: "The container's uuid." }) },
    resolve: (_root, { uuid }, ctx) => containerSecretMounts(domainOf(ctx), uuid),
  }),
}));

const UpdateContainerInput = builder.inputType('UpdateContainerInput', {
  description:
    "A dispatcher's report on a container it has locked; the container's own token may report state, exitCode, progress, output and runtimeStatus while RUNNING.",
  fields: (t) => ({
    state: t.field({
      type: ContainerStateEnum,
      description: 'The new state (RUNNING, COMPLETE, CANCELLED…).',
    }),
    priority: t.field({ type: 'BigInt', description: 'A new priority (0 and up).' }),
    progress: t.float({ description: 'From 0 to 1.' }),
    log: t.string({ description: 'Its log (a collection reference or text).' }),
    output: t.string({ description: 'Its output (a collection reference or text).' }),
    runtimeStatus: t.field({ type: 'JSON', description: 'Status details (a JSON object).' }),
    exitCode: t.int({ description: 'Only with the move to COMPLETE.' }),
  }),
});

builder.mutationFields((t) => ({
  lockContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    description:
      'Takes a QUEUED container with priority > 0 for the calling dispatcher token (admins only); one of many concurrent lockers wins, the others get CONFLICT.',
    args: { uuid: t.arg.id({ required: true, description: "The container's uuid." }) },
    resolve: async (query, _root, { uuid }, ctx) => {
      await lockContainer(domainOf(ctx), uuid);
      return loadContainer(ctx, query, uuid);
    },
  }),
  unlockContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    description: 'Puts a LOCKED container back in the queue (its lock holder or an admin).',
    args: { uuid: t.arg.id({ required: true, description: "The container's uuid." }) },
    resolve: async (query, _root, { uuid }, ctx) => {
      await unlockContainer(domainOf(ctx), uuid);
      return loadContainer(ctx, query, uuid);
    },
  }),
  updateContainer: t.withAuth({ loggedIn: true }).prismaField({
    type: 'Container',
    description: 'Reports on a container: state, progress, log, output, exit code; returns it as changed.',
    args: {
      uuid: t.arg.id({ required: true, description: "The container's uuid." }),
      input: t.arg({ type: UpdateContainerInput, required: true, description: 'The report.' }),
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
    description:
      "The container's whole story, to those who may see it: first its current state, then an event after each committed change, completing after the event that shows it COMPLETE or CANCELLED. NOT_FOUND if the caller cannot see it; ends with NOT_FOUND if it moves out of sight, with UNAUTHENTICATED if the token lapses.",
    args: { uuid: t.arg.id({ required: true, description: "The container's uuid." }) },
    subscribe: (_root, { uuid }, ctx) =>
      subscribeToObject(ctx, {
        uuid,
        topic: 'containerUpdated',
        notFoundMessage: 'Container not found',
        look: async () => {
          const c = await ctx.services.db.prisma.container.findFirst({
            where: { uuid, AND: [containerVisibleWhere(callerOf(ctx))] },
            select: { state: true },
          });
          return c && { final: isFinal(c.state) };
        },
      }),
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

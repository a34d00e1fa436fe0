import type { Context } from '../core/context.js';
import {
  createContainerRequest,
  deleteContainerRequest,
  updateContainerRequest,
} from '../domain/container-requests.js';
import { containerRequestVisibleWhere } from '../domain/visibility.js';
import { notFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { builder, type SchemaTypes } from './builder.js';
import { callerOf } from './caller.js';
import { changedUuid, domainOf, subscribeWhileVisible } from './changes.js';
import { ContainerRequestStateEnum } from './enums.js';

// select mode: GraphQL reads only the columns its fields need, so the secret columns
// (runtime_token, secret_mounts) are never loaded for output.
builder.prismaNode('ContainerRequest', {
  id: { field: 'uuid' },
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [containerRequestVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid'),
    ownerUuid: t.exposeID('ownerUuid'),
    name: t.exposeString('name', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    properties: t.expose('properties', { type: 'JSON' }),
    state: t.expose('state', { type: ContainerRequestStateEnum }),
    priority: t.exposeInt('priority', { nullable: true }),
    command: t.exposeStringList('command'),
    containerImage: t.exposeString('containerImage'),
    cwd: t.exposeString('cwd'),
    environment: t.expose('environment', { type: 'JSON' }),
    mounts: t.expose('mounts', { type: 'JSON' }),
    outputPath: t.exposeString('outputPath'),
    runtimeConstraints: t.expose('runtimeConstraints', { type: 'JSON' }),
    schedulingParameters: t.expose('schedulingParameters', { type: 'JSON' }),
    useExisting: t.exposeBoolean('useExisting'),
    containerCountMax: t.exposeInt('containerCountMax'),
    containerCount: t.exposeInt('containerCount'),
    containerUuid: t.exposeID('containerUuid', { nullable: true }),
    container: t.relation('container', { nullable: true }),
    requestingContainerUuid: t.exposeID('requestingContainerUuid', { nullable: true }),
    log: t.exposeString('log', { nullable: true }),
    output: t.exposeString('output', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    modifiedAt: t.expose('modifiedAt', { type: 'DateTime' }),
    modifiedByUserUuid: t.exposeID('modifiedByUserUuid', { nullable: true }),
  }),
});

const requestInputFields =
  (required: boolean) => (t: PothosSchemaTypes.InputFieldBuilder<SchemaTypes, 'InputObject'>) => ({
    name: t.string(),
    description: t.string(),
    properties: t.field({ type: 'JSON' }),
    state: t.field({
      type: ContainerRequestStateEnum,
      description: required ? 'Default UNCOMMITTED.' : undefined,
    }),
    priority: t.int({ description: '0..1000; required to commit.' }),
    command: t.stringList({ required }),
    containerImage: t.string({ required }),
    cwd: t.string({ description: required ? 'Default ".".' : undefined }),
    environment: t.field({ type: 'JSON' }),
    mounts: t.field({ type: 'JSON' }),
    outputPath: t.string({ required }),
    runtimeConstraints: t.field({
      type: 'JSON',
      description: 'vcpus and ram (positive integers) are required to commit.',
    }),
    schedulingParameters: t.field({ type: 'JSON' }),
    useExisting: t.boolean(),
    containerCountMax: t.int(),
    runtimeToken: t.string({
      description:
        'Write-only. A v2 token (v2/<uuid>/<secret>) the container runs with; only while UNCOMMITTED.',
    }),
    secretMounts: t.field({
      type: 'JSON',
      description: 'Write-only. Mounts given only to the running container.',
    }),
  });

const CreateContainerRequestInput = builder.inputType('CreateContainerRequestInput', {
  fields: requestInputFields(true),
});
const UpdateContainerRequestInput = builder.inputType('UpdateContainerRequestInput', {
  description: 'An omitted field is unchanged.',
  fields: requestInputFields(false),
});

const ContainerRequestFilter = builder.inputType('ContainerRequestFilter', {
  fields: (t) => ({
    state: t.field({ type: ContainerRequestStateEnum }),
    containerUuid: t.id(),
    requestingContainerUuid: t.id(),
    nameContains: t.string(),
  }),
});

function requestWhere(
  ctx: Context,
  f: typeof ContainerRequestFilter.$inferInput | null | undefined,
): Prisma.ContainerRequestWhereInput {
  return {
    AND: [
      containerRequestVisibleWhere(callerOf(ctx)),
      {
        ...(f?.state ? { state: f.state } : {}),
        ...(f?.containerUuid ? { containerUuid: f.containerUuid } : {}),
        ...(f?.requestingContainerUuid ? { requestingContainerUuid: f.requestingContainerUuid } : {}),
        ...(f?.nameContains ? { name: { contains: f.nameContains, mode: 'insensitive' as const } } : {}),
      },
    ],
  };
}

export const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { uuid: 'desc' as const }];

builder.queryFields((t) => ({
  containerRequest: t.prismaField({
    type: 'ContainerRequest',
    args: { uuid: t.arg.id({ required: true }) },
    resolve: (query, _root, { uuid }, ctx) => loadRequest(ctx, query, uuid),
  }),
  containerRequests: t.prismaConnection(
    {
      type: 'ContainerRequest',
      cursor: 'uuid',
      description: 'Newest first.',
      args: { filter: t.arg({ type: ContainerRequestFilter }) },
      resolve: (query, _root, args, ctx) =>
        ctx.services.db.prisma.containerRequest.findMany({
          ...query,
          where: requestWhere(ctx, args.filter),
          orderBy: NEWEST_FIRST,
        }),
      totalCount: (_conn, args, ctx) =>
        ctx.services.db.prisma.containerRequest.count({ where: requestWhere(ctx, args.filter) }),
    },
    { name: 'ContainerRequestConnection' },
    { name: 'ContainerRequestEdge' },
  ),
}));

/** A request through the caller's visibility (also the re-read after a change): NOT_FOUND if not visible. */
async function loadRequest(ctx: Context, query: object, uuid: string) {
  const cr = await ctx.services.db.prisma.containerRequest.findFirst({
    ...query,
    where: { uuid, AND: [containerRequestVisibleWhere(callerOf(ctx))] },
  });
  if (!cr) throw notFound('Container request not found');
  return cr;
}

builder.mutationFields((t) => ({
  createContainerRequest: t.withAuth({ loggedIn: true }).prismaField({
    type: 'ContainerRequest',
    args: { input: t.arg({ type: CreateContainerRequestInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const uuid = await createContainerRequest(domainOf(ctx), input);
      return loadRequest(ctx, query, uuid);
    },
  }),
  updateContainerRequest: t.withAuth({ loggedIn: true }).prismaField({
    type: 'ContainerRequest',
    args: {
      uuid: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateContainerRequestInput, required: true }),
    },
    resolve: async (query, _root, { uuid, input }, ctx) => {
      await updateContainerRequest(domainOf(ctx), uuid, input);
      return loadRequest(ctx, query, uuid);
    },
  }),
  deleteContainerRequest: t.withAuth({ loggedIn: true }).id({
    args: { uuid: t.arg.id({ required: true }) },
    resolve: async (_root, { uuid }, ctx) => {
      await deleteContainerRequest(domainOf(ctx), uuid);
      return uuid;
    },
  }),
}));

builder.subscriptionField('containerRequestUpdated', (t) =>
  t.prismaField({
    type: 'ContainerRequest',
    description: 'An event after each committed change, to those who may see the request.',
    args: { uuid: t.arg.id({ required: true }) },
    subscribe: (_root, { uuid }, ctx) => {
      const where = { uuid, AND: [containerRequestVisibleWhere(callerOf(ctx))] };
      const visible = async () =>
        !!(await ctx.services.db.prisma.containerRequest.findFirst({ where, select: { uuid: true } }));
      return subscribeWhileVisible(
        ctx,
        'containerRequestUpdated',
        uuid,
        visible,
        'Container request not found',
      );
    },
    resolve: (query, payload, _args, ctx) => loadRequest(ctx, query, changedUuid(payload)),
  }),
);

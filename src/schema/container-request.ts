import type { Context } from '../core/context.js';
import {
  createContainerRequest,
  deleteContainerRequest,
  updateContainerRequest,
} from '../domain/container-requests.js';
import { containerRequestOrderBy } from '../domain/list-order.js';
import { containerRequestVisibleWhere } from '../domain/visibility.js';
import { notFound } from '../errors.js';
import type { ContainerRequest, Prisma } from '../generated/prisma/client.js';
import { builder, type SchemaTypes } from './builder.js';
import { callerOf } from './caller.js';
import { changedUuid, domainOf } from './changes.js';
import { ContainerRequestOrder, ContainerRequestStateEnum } from './enums.js';
import { subscribeToObject } from './object-streams.js';
import { mountsTypedField, runtimeConstraintsTypedField } from './typed-json.js';

// select mode: GraphQL reads only the columns its fields need, so the secret columns
// (runtime_token, secret_mounts) are never loaded for output.
builder.prismaNode('ContainerRequest', {
  description:
    'A request to run a command: committing it finds or creates the container that does the work (reusing an identical one when it may).',
  id: { field: 'uuid' },
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [containerRequestVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid', { description: "The request's uuid (`<cluster>-xvhdp-<15>`); also its `id`." }),
    ownerUuid: t.exposeID('ownerUuid', { description: 'The user who created it.' }),
    name: t.exposeString('name', { nullable: true, description: 'A name for people.' }),
    description: t.exposeString('description', { nullable: true, description: 'A description for people.' }),
    properties: t.expose('properties', { type: 'JSON', description: 'Free-form metadata (a JSON object).' }),
    state: t.expose('state', {
      type: ContainerRequestStateEnum,
      description: 'Where the request is in its life.',
    }),
    priority: t.exposeInt('priority', {
      nullable: true,
      description: '0..1000: higher runs first; 0 cancels. Required to commit.',
    }),
    command: t.exposeStringList('command', { description: 'The command and its arguments.' }),
    containerImage: t.exposeString('containerImage', { description: 'The image the command runs in.' }),
    cwd: t.exposeString('cwd', { description: 'The working directory inside the container.' }),
    environment: t.expose('environment', {
      type: 'JSON',
      description: 'Environment variables (a JSON object of strings).',
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
      description:
        'Resources wanted, as a JSON object: vcpus and ram are required to commit (see `runtimeConstraintsTyped`).',
    }),
    runtimeConstraintsTyped: t.field(runtimeConstraintsTypedField),
    schedulingParameters: t.expose('schedulingParameters', {
      type: 'JSON',
      description: 'Hints for the dispatcher (a JSON object).',
    }),
    useExisting: t.exposeBoolean('useExisting', {
      description: 'Whether committing may reuse an identical container instead of running a new one.',
    }),
    containerCountMax: t.exposeInt('containerCountMax', {
      description: 'How many containers it may try (a cancelled one is retried up to this).',
    }),
    containerCount: t.exposeInt('containerCount', { description: 'How many containers it has had.' }),
    containerUuid: t.exposeID('containerUuid', {
      nullable: true,
      description: 'Its current container, once committed.',
    }),
    container: t.relation('container', {
      nullable: true,
      description: 'Its current container, once committed.',
    }),
    requestingContainerUuid: t.exposeID('requestingContainerUuid', {
      nullable: true,
      description: "The container that made this request, for a request made with a container's token.",
    }),
    log: t.exposeString('log', { nullable: true, description: "The container's log, once FINAL." }),
    output: t.exposeString('output', { nullable: true, description: "The container's output, once FINAL." }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    modifiedAt: t.expose('modifiedAt', { type: 'DateTime', description: 'When it last changed.' }),
    modifiedByUserUuid: t.exposeID('modifiedByUserUuid', {
      nullable: true,
      description: 'The user who made the last change.',
    }),
  }),
});

const requestInputFields =
  (create: boolean) => (t: PothosSchemaTypes.InputFieldBuilder<SchemaTypes, 'InputObject'>) => ({
    name: t.string({ description: 'A name for people.' }),
    description: t.string({ description: 'A description for people.' }),
    properties: t.field({ type: 'JSON', description: 'Free-form metadata (a JSON object).' }),
    state: t.field({
      type: ContainerRequestStateEnum,
      description: create
        ? 'UNCOMMITTED (default) to edit it further, or COMMITTED to run it now.'
        : 'COMMITTED to run it (from UNCOMMITTED); no other change is allowed.',
    }),
    priority: t.int({ description: '0..1000; required to commit; 0 cancels a committed request.' }),
    command: t.stringList({ required: create, description: 'The command and its arguments (not empty).' }),
    containerImage: t.string({ required: create, description: 'The image the command runs in.' }),
    cwd: t.string({ description: create ? 'The working directory; default ".".' : 'The working directory.' }),
    environment: t.field({ type: 'JSON', description: 'Environment variables: a JSON object of strings.' }),
    mounts: t.field({
      type: 'JSON',
      description: 'A JSON object from mount point to mount, each with a string `kind`.',
    }),
    outputPath: t.string({
      required: create,
      description: 'The directory whose content becomes the output.',
    }),
    runtimeConstraints: t.field({
      type: 'JSON',
      description: 'A JSON object; vcpus and ram (positive integers) are required to commit.',
    }),
    schedulingParameters: t.field({ type: 'JSON', description: 'Hints for the dispatcher (a JSON object).' }),
    useExisting: t.boolean({
      description: 'Whether committing may reuse an identical container (default true).',
    }),
    containerCountMax: t.int({ description: 'How many containers it may try (default from the server).' }),
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
  description: 'A new container request.',
  fields: requestInputFields(true),
});
const UpdateContainerRequestInput = builder.inputType('UpdateContainerRequestInput', {
  description:
    'Changes to a container request; an omitted field is unchanged. Which fields may change depends on its state.',
  fields: requestInputFields(false),
});

const ContainerRequestFilter = builder.inputType('ContainerRequestFilter', {
  description: 'Which container requests to list; every given condition must hold.',
  fields: (t) => ({
    state: t.field({ type: ContainerRequestStateEnum, description: 'In this state.' }),
    containerUuid: t.id({ description: 'Pointing at this container.' }),
    requestingContainerUuid: t.id({ description: 'Made by this container.' }),
    nameContains: t.string({ description: 'Whose name contains this (case-insensitive).' }),
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

builder.queryFields((t) => ({
  containerRequest: t.prismaField({
    type: 'ContainerRequest',
    nullable: true,
    description: 'One container request: null, with a NOT_FOUND error, if it does not exist or is not yours.',
    args: { uuid: t.arg.id({ required: true, description: "The request's uuid." }) },
    resolve: (query, _root, { uuid }, ctx) => loadRequest(ctx, query, uuid),
  }),
  containerRequests: t.prismaConnection(
    {
      type: 'ContainerRequest',
      cursor: 'uuid',
      description: 'The container requests the caller can see: newest first unless orderBy says otherwise.',
      args: {
        filter: t.arg({ type: ContainerRequestFilter, description: 'Which requests.' }),
        orderBy: t.arg({ type: ContainerRequestOrder, description: 'Default: CREATED_AT DESC.' }),
      },
      resolve: (query, _root, args, ctx) =>
        ctx.services.db.prisma.containerRequest.findMany({
          ...query,
          where: requestWhere(ctx, args.filter),
          orderBy: containerRequestOrderBy(args.orderBy),
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

/** Whether `row` holds everything a field's Prisma `query` would read: only its own columns. */
function answers(query: { select?: Record<string, unknown> }, row: object): boolean {
  if (!query.select || Object.keys(query).some((k) => k !== 'select')) return false;
  return Object.entries(query.select).every(
    ([field, wanted]) => wanted === true && Object.hasOwn(row, field),
  );
}

/** What a client needs to drop a deleted object from its cache. */
const DeletedObject = builder
  .objectRef<{ uuid: string; typename: string }>('DeleteContainerRequestPayload')
  .implement({
    description:
      "What a cache needs to evict the deleted request: Apollo's cache.evict({id: cache.identify({__typename: deletedTypename, id: deletedId})}), or Relay's @deleteRecord on deletedId.",
    fields: (t) => ({
      deletedId: t.exposeID('uuid', { description: "The deleted object's `id` (its uuid)." }),
      deletedTypename: t.exposeString('typename', {
        description: 'The deleted object\'s type: "ContainerRequest".',
      }),
    }),
  });

builder.mutationFields((t) => ({
  createContainerRequest: t.withAuth({ loggedIn: true }).prismaField({
    type: 'ContainerRequest',
    description:
      'Creates a container request; with state COMMITTED it is committed at once (a container is found or queued).',
    args: {
      input: t.arg({ type: CreateContainerRequestInput, required: true, description: 'The request.' }),
    },
    resolve: async (query, _root, { input }, ctx) => {
      const { uuid, row } = await createContainerRequest(domainOf(ctx), input);
      // A commit's own row answers when it has every field asked for (no relation, no count);
      // the secret columns it lacks are no field's.
      return row && answers(query, row) ? (row as ContainerRequest) : loadRequest(ctx, query, uuid);
    },
  }),
  updateContainerRequest: t.withAuth({ loggedIn: true }).prismaField({
    type: 'ContainerRequest',
    description: 'Changes a container request (state COMMITTED commits it); returns it as changed.',
    args: {
      uuid: t.arg.id({ required: true, description: "The request's uuid." }),
      input: t.arg({ type: UpdateContainerRequestInput, required: true, description: 'The changes.' }),
    },
    resolve: async (query, _root, { uuid, input }, ctx) => {
      await updateContainerRequest(domainOf(ctx), uuid, input);
      return loadRequest(ctx, query, uuid);
    },
  }),
  deleteContainerRequest: t.withAuth({ loggedIn: true }).field({
    type: DeletedObject,
    description: 'Deletes a container request (a committed one first gives up its claim on its container).',
    args: { uuid: t.arg.id({ required: true, description: "The request's uuid." }) },
    resolve: async (_root, { uuid }, ctx) => {
      await deleteContainerRequest(domainOf(ctx), uuid);
      return { uuid, typename: 'ContainerRequest' };
    },
  }),
}));

builder.subscriptionField('containerRequestUpdated', (t) =>
  t.prismaField({
    type: 'ContainerRequest',
    description:
      "The request's whole story, to those who may see it: first its current state, then an event after each committed change of the request or of its container (RUNNING, progress, log…), completing after the event that shows it FINAL. NOT_FOUND if the caller cannot see it; ends with NOT_FOUND if it is deleted, with UNAUTHENTICATED if the token lapses.",
    args: { uuid: t.arg.id({ required: true, description: "The request's uuid." }) },
    subscribe: (_root, { uuid }, ctx) =>
      subscribeToObject(ctx, {
        uuid,
        topic: 'containerRequestUpdated',
        notFoundMessage: 'Container request not found',
        look: async () => {
          const cr = await ctx.services.db.prisma.containerRequest.findFirst({
            where: { uuid, AND: [containerRequestVisibleWhere(callerOf(ctx))] },
            select: { state: true, containerUuid: true },
          });
          return cr && { final: cr.state === 'FINAL', followsContainer: cr.containerUuid };
        },
      }),
    resolve: (query, payload, _args, ctx) => loadRequest(ctx, query, changedUuid(payload)),
  }),
);

import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Caller } from '../core/caller.js';
import type { Context } from '../core/context.js';
import { forbidden, unauthenticated } from '../errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize } from './connection-args.js';
import { kindOfUuid } from './node-ids.js';

/** The schema's type parameters, so helpers outside this module can name the builder's types. */
export type SchemaTypes = PothosSchemaTypes.ExtendDefaultTypes<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { loggedIn: boolean; admin: boolean };
  // What a field behind t.withAuth({ loggedIn | admin }) sees: a context with its caller.
  AuthContexts: { loggedIn: Context & { caller: Caller }; admin: Context & { caller: Caller } };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    BigInt: { Input: bigint; Output: bigint };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>;

export const builder = new SchemaBuilder<SchemaTypes>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  // What an operation costs, estimated before it runs (server/operation-cost.ts enforces the
  // budget): 1 per field, and a connection's selection times its page size. Other lists are
  // a page's edges or nodes (counted by the page size already) or a request's mounts.
  complexity: { defaultComplexity: 1, defaultListMultiplier: 1 },
  scopeAuth: {
    authScopes: (ctx) => ({ loggedIn: !!ctx.caller, admin: !!ctx.caller?.user.isAdmin }),
    unauthorizedError: (_parent, ctx) => (ctx.caller ? forbidden() : unauthenticated()),
  },
  prisma: {
    client: (ctx) => ctx.services.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
    maxConnectionSize: MAX_PAGE_SIZE,
  },
  relay: {
    // A uuid already names its type (its infix) and is globally unique: use it as the id as is.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: kindOfUuid(globalID) ?? '', id: globalID }),
    nodesOnConnection: { description: 'The items of this page.' },
    // A uuid of no known type (or no uuid at all) names nothing: null, like an unknown uuid,
    // rather than Pothos' "has not been implemented" error for the empty typename.
    nodeQueryOptions: {
      description: 'Any object by its id (which is its uuid); null if there is none the caller may see.',
      args: {
        id: {
          description: 'The id (uuid) of a User, ApiClientAuthorization, ContainerRequest or Container.',
        },
      },
      resolve: (_root, args, _ctx, _info, resolveNode) => (args.id.typename ? resolveNode(args.id) : null),
    },
    nodesQueryOptions: false,
    // Every connection: its selection costs once per item of the page it asks for, and its
    // arguments are checked (pageSize throws BAD_USER_INPUT) before anything runs.
    defaultConnectionFieldOptions: { complexity: (args) => ({ field: 1, multiplier: pageSize(args) }) },
    clientMutationId: 'omit',
    cursorType: 'String',
    // Descriptions of what the plugin generates (GraphiQL's docs pane and codegen show them).
    nodeTypeOptions: { description: 'An object with a globally unique id: its uuid.' },
    idFieldOptions: { description: 'The global id: the same as uuid.' },
    pageInfoTypeOptions: { description: 'Where a page sits in its list.' },
    hasNextPageFieldOptions: { description: 'Whether there are more items after this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether there are more items before this page.' },
    startCursorFieldOptions: { description: 'The cursor of the first item (for `before`).' },
    endCursorFieldOptions: { description: 'The cursor of the last item (for `after`).' },
    defaultConnectionTypeOptions: { description: 'One page of a list (a Relay connection).' },
    defaultEdgeTypeOptions: { description: 'An item of a page, with its cursor.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the list.' },
    cursorFieldOptions: { description: 'Where this item sits: pass it as `after` or `before`.' },
    nodeFieldOptions: { description: 'The item.' },
    firstArgOptions: { description: 'Items after `after` (or from the start), at most 100.' },
    afterArgOptions: { description: 'A cursor: start after this item.' },
    lastArgOptions: { description: 'Items before `before` (or from the end), at most 100.' },
    beforeArgOptions: { description: 'A cursor: end before this item.' },
  },
});

builder.queryType({ description: 'Reads. Every field needs a token (Authorization: Bearer <token>).' });
builder.mutationType({
  description: 'Changes. Each runs in one transaction: it happens whole or not at all.',
});
builder.subscriptionType({
  description:
    'Change streams over Server-Sent Events (GraphQL over SSE, either mode). An object stream starts with its current state and completes once it is final.',
});

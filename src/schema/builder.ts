import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { getDatamodel } from '../generated/pothos-types.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { forbidden, unauthenticated } from '../errors.js';
import type { Context } from './context.js';
import { kindOfUuid } from './node-ids.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { loggedIn: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({ loggedIn: !!ctx.caller, admin: !!ctx.caller?.user.isAdmin }),
    unauthorizedError: (_parent, ctx) => (ctx.caller ? forbidden() : unauthenticated()),
  },
  prisma: {
    // Only the client type is read from here: every resolver uses ctx.services.db.prisma.
    client: (ctx) => ctx.services.db.prisma,
    dmmf: getDatamodel(),
    // Unknown or invisible node ids are NOT_FOUND through our own resolvers, not Pothos' error.
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    // A uuid already names its type (its infix) and is globally unique: use it as the id as is.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: kindOfUuid(globalID) ?? '', id: globalID }),
    nodesOnConnection: true,
    // A uuid of no known type (or no uuid at all) names nothing: null, like an unknown uuid,
    // rather than Pothos' "has not been implemented" error for the empty typename.
    nodeQueryOptions: {
      resolve: (_root, args, _ctx, _info, resolveNode) => (args.id.typename ? resolveNode(args.id) : null),
    },
    nodesQueryOptions: false,
    clientMutationId: 'omit',
    cursorType: 'String',
  },
});

// Type reference only; never instantiated here.
export type { PrismaClient };

builder.scalarType('DateTime', {
  description: 'ISO 8601 date-time string',
  serialize: (v) => (v as Date).toISOString(),
  parseValue: (v) => parseDate(v),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null, ast),
});

builder.scalarType('JSON', {
  description: 'Any JSON value',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast, variables) => jsonLiteral(ast, variables ?? undefined),
});

// A literal's error carries its node: graphql-js reports a GraphQLError from parseLiteral as
// is, and the node is how src/server/errors-plugin.ts finds the field to name.
function parseDate(v: unknown, node?: ValueNode): Date {
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string', { nodes: node, extensions: { code: 'BAD_USER_INPUT' } });
  return d;
}

function jsonLiteral(ast: ValueNode, variables: Record<string, unknown> | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => jsonLiteral(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, jsonLiteral(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      return undefined;
  }
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { Kind, type ValueNode } from 'graphql';
import type { Caller } from '../core/caller.js';
import type { Context } from '../core/context.js';
import { badInput, forbidden, unauthenticated } from '../errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
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
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>;

export const builder = new SchemaBuilder<SchemaTypes>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
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

/**
 * How deeply a JSON input may nest. Every JSON input (properties, mounts, secret mounts…)
 * comes through this scalar, and code that walks a value recursively (graphql-js, canonical
 * JSON, the drivers) would overflow the stack on a value thousands of levels deep.
 */
export const MAX_JSON_DEPTH = 64;

const tooDeep = (node?: ValueNode) =>
  badInput(undefined, `JSON values may nest at most ${MAX_JSON_DEPTH} levels deep`, { nodes: node });

/** The items of a list or the values of an object; null for anything else. */
function jsonChildren(v: unknown): readonly unknown[] | null {
  if (Array.isArray(v)) return v;
  return v !== null && typeof v === 'object' ? Object.values(v) : null;
}

function literalChildren(ast: ValueNode): readonly ValueNode[] | null {
  if (ast.kind === Kind.LIST) return ast.values;
  return ast.kind === Kind.OBJECT ? ast.fields.map((f) => f.value) : null;
}

/** Iterative, so that the check itself cannot overflow: each list or object is one level. */
function nestedDeeperThan<T>(root: T, limit: number, children: (node: T) => readonly T[] | null): boolean {
  const stack: [T, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    const inner = children(node);
    if (inner === null) continue;
    if (depth + 1 > limit) return true;
    for (const c of inner) stack.push([c, depth + 1]);
  }
  return false;
}

builder.scalarType('DateTime', {
  description: 'ISO 8601 date-time string',
  serialize: (v) => (v as Date).toISOString(),
  parseValue: (v) => parseDate(v),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null, ast),
});

builder.scalarType('JSON', {
  description: 'Any JSON value',
  serialize: (v) => v,
  parseValue: (v) => {
    if (nestedDeeperThan(v, MAX_JSON_DEPTH, jsonChildren)) throw tooDeep();
    return v;
  },
  // A variable inside the literal was checked on its own by parseValue.
  parseLiteral: (ast, variables) => {
    if (nestedDeeperThan(ast, MAX_JSON_DEPTH, literalChildren)) throw tooDeep(ast);
    return jsonLiteral(ast, variables ?? undefined);
  },
});

// A literal's error carries its node: graphql-js reports a GraphQLError from parseLiteral as
// is, and the node is how src/server/error-handling.ts finds the field to name.
function parseDate(v: unknown, node?: ValueNode): Date {
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime()))
    throw badInput(undefined, 'DateTime must be an ISO 8601 string', { nodes: node });
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

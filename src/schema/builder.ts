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
    BigInt: { Input: bigint; Output: bigint };
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

/** The range of a PostgreSQL bigint, which is what every BigInt value is stored in. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseBigInt(v: unknown, node?: ValueNode): bigint {
  const n =
    typeof v === 'string' && /^-?\d{1,19}$/.test(v)
      ? BigInt(v)
      : typeof v === 'number' && Number.isSafeInteger(v)
        ? BigInt(v)
        : null;
  if (n === null || n < INT64_MIN || n > INT64_MAX)
    throw badInput(
      undefined,
      'BigInt must be a whole number from -2^63 to 2^63-1, as a string or an integer',
      {
        nodes: node,
      },
    );
  return n;
}

// A string on output: JSON numbers lose precision above 2^53 in JavaScript clients.
builder.scalarType('BigInt', {
  description:
    'A signed 64-bit integer, serialised as a decimal string ("1125899906842624") so that no client loses precision; as input, a string or an integer literal.',
  serialize: (v) => String(v),
  parseValue: (v) => parseBigInt(v),
  // An integer literal is read from its digits: exact beyond 2^53.
  parseLiteral: (ast) =>
    parseBigInt(ast.kind === Kind.STRING || ast.kind === Kind.INT ? ast.value : null, ast),
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

builder.queryType({ description: 'Reads. Every field needs a token (Authorization: Bearer <token>).' });
builder.mutationType({
  description: 'Changes. Each runs in one transaction: it happens whole or not at all.',
});
builder.subscriptionType({
  description:
    'Change streams over Server-Sent Events (GraphQL over SSE, either mode). An object stream starts with its current state and completes once it is final.',
});

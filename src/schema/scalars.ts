import { Kind, type ValueNode } from 'graphql';
import { badInput } from '../errors.js';
import { builder } from './builder.js';

// The schema's own scalars: DateTime, BigInt and JSON. graphql-scalars' were considered: they
// accept and word things differently (its JSON has no depth limit), and these are short.

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

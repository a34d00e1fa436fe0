// Builds, from an introspected schema, one operation per root field and argument value: every
// field whose arguments are all optional is selected, nested objects down to `maxDepth` levels
// (connections, edges and page info do not count as a level), interfaces through inline
// fragments on each implementation. Used by the secrecy walk to read everything readable.
import {
  buildClientSchema,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  type IntrospectionQuery,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';

export interface WalkOperation {
  root: 'query' | 'subscription';
  field: string;
  /** The value of each required argument. */
  args: Record<string, string>;
  query: string;
  variables: Record<string, string>;
}

const isPlumbing = (t: GraphQLNamedType) => /(Connection|Edge)$/.test(t.name) || t.name === 'PageInfo';
const requiredArgs = (f: GraphQLField<unknown, unknown>) =>
  f.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);

export function selectionOf(
  schema: GraphQLSchema,
  type: GraphQLNamedType,
  depth: number,
  maxDepth: number,
): string {
  if (isLeafType(type)) return '';
  if (isInterfaceType(type) || isUnionType(type)) {
    const impls = schema
      .getPossibleTypes(type)
      .map((t) => `... on ${t.name} { ${selectionOf(schema, t, depth, maxDepth)} }`);
    return ['__typename', ...impls].join(' ');
  }
  if (!isObjectType(type)) return '';
  const parts: string[] = [];
  for (const f of Object.values(type.getFields())) {
    if (requiredArgs(f).length > 0) continue;
    const named = getNamedType(f.type);
    if (isLeafType(named)) {
      parts.push(f.name);
      continue;
    }
    const next = isPlumbing(named) ? depth : depth + 1;
    if (next > maxDepth) continue;
    const sub = selectionOf(schema, named, next, maxDepth);
    if (sub) parts.push(`${f.name} { ${sub} }`);
  }
  return parts.join(' ');
}

/**
 * Every operation the walk can build: each root field of Query and Subscription, once per
 * candidate value of its required argument (ID or String; `values`), once if it has none.
 * `skipped` lists root fields with required arguments the walk cannot fill (it should be empty).
 */
export function buildWalk(
  introspection: IntrospectionQuery,
  values: string[],
  maxDepth = 2,
): { schema: GraphQLSchema; operations: WalkOperation[]; skipped: string[] } {
  const schema = buildClientSchema(introspection);
  const operations: WalkOperation[] = [];
  const skipped: string[] = [];
  const roots: [WalkOperation['root'], GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  for (const [root, type] of roots) {
    if (!type) continue;
    for (const f of Object.values(type.getFields())) {
      const named = getNamedType(f.type);
      const sel = selectionOf(schema, named, 0, maxDepth);
      const body = sel ? ` { ${sel} }` : '';
      const required = requiredArgs(f);
      if (required.length === 0) {
        operations.push({
          root,
          field: f.name,
          args: {},
          query: `${root} { ${f.name}${body} }`,
          variables: {},
        });
        continue;
      }
      const fillable =
        required.length === 1 && ['ID', 'String'].includes(getNamedType(required[0]!.type).name);
      if (!fillable) {
        skipped.push(`${root}.${f.name}`);
        continue;
      }
      const arg = required[0]!;
      for (const v of values) {
        operations.push({
          root,
          field: f.name,
          args: { [arg.name]: v },
          query: `${root} W($v: ${String(arg.type)}) { ${f.name}(${arg.name}: $v)${body} }`,
          variables: { v },
        });
      }
    }
  }
  return { schema, operations, skipped };
}

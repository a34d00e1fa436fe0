import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  TypeInfo,
  type ValueNode,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { errorCode, errorWithCode } from '../errors.js';

/**
 * The cost budget: each operation's cost is estimated before anything runs (with
 * @pothos/plugin-complexity's rule, from the costs the schema gives its fields: builder.ts),
 * with this request's variables — so not in validation, which yoga caches by document — and
 * one above the budget is refused with QUERY_TOO_COMPLEX, stating both numbers.
 */

/**
 * The operation's estimated cost, or the error that refuses it (or its connection arguments).
 * A document whose cost cannot depend on its variables has it computed once per operation name
 * and kept (costs, below): the estimate walks the whole document, on every request otherwise.
 */
export function operationCost(args: ExecutionArgs): number | GraphQLError {
  let known = costs.get(args.document);
  if (known === undefined) {
    known = variablesMayChangeCost(args.schema, args.document) ? 'per request' : new Map();
    costs.set(args.document, known);
  }
  if (known === 'per request') return estimate(args).cost;
  const name = args.operationName ?? '';
  const cached = known.get(name);
  if (cached !== undefined) return cached;
  const { cost, complete } = estimate(args);
  // Only a whole estimate is kept: not a refusal, nor the 0 of variables that did not coerce.
  if (complete && typeof cost === 'number') known.set(name, cost);
  return cost;
}

// Per document: its cost by operation name, or 'per request' when its variables may change it.
// Keyed by the parsed document, which yoga's parse cache hands out again for the same text; a
// WeakMap, so a document leaves with the cache's entry.
const costs = new WeakMap<DocumentNode, Map<string, number> | 'per request'>();

/**
 * Whether a variable reaches a field whose cost is computed from its arguments (a connection's
 * page size: builder.ts); every other field's cost is fixed, so the document's cost is too.
 */
function variablesMayChangeCost(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let may = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const cost = typeInfo.getFieldDef()?.extensions?.complexity;
        if (typeof cost === 'function' && node.arguments?.some((a) => hasVariable(a.value))) {
          may = true;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  return may;
}

function hasVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(hasVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((f) => hasVariable(f.value));
  return false;
}

/** The estimate itself; `complete` when the rule reached the operation's end (variables coerced). */
function estimate(args: ExecutionArgs): { cost: number | GraphQLError; complete: boolean } {
  let cost = 0;
  let complete = false;
  try {
    validate(args.schema, args.document, [
      createComplexityRule({
        context: args.contextValue as object,
        variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
        operationName: args.operationName ?? undefined,
        validate: (state) => {
          cost = state.complexity;
          complete = true;
        },
      }),
    ]);
  } catch (err) {
    // A field's cost threw: a connection's arguments were refused (connection-args.ts).
    if (errorCode(err)) return { cost: err as GraphQLError, complete: false };
    throw err;
  }
  // Variables that do not coerce, or no such operation: execution reports those itself.
  return { cost, complete };
}

/** `extensions.limit` names the variable that sets the limit, as every limit's error does. */
export const queryTooComplex = (cost: number, maxCost: number) =>
  errorWithCode('QUERY_TOO_COMPLEX', `The query costs ${cost}, more than the limit of ${maxCost}`, {
    extensions: { limit: 'MAX_QUERY_COST', cost, maxCost },
  });

export function costLimit(maxCost: number): Plugin {
  const guard = ({
    args,
    setResultAndStopExecution,
  }: {
    args: ExecutionArgs;
    setResultAndStopExecution: (r: { errors: GraphQLError[] }) => void;
  }) => {
    const cost = operationCost(args);
    if (typeof cost !== 'number') setResultAndStopExecution({ errors: [cost] });
    else if (cost > maxCost) setResultAndStopExecution({ errors: [queryTooComplex(cost, maxCost)] });
  };
  return { onExecute: guard, onSubscribe: guard } as Plugin;
}

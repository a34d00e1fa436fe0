import { createComplexityRule } from '@pothos/plugin-complexity';
import { type ExecutionArgs, type GraphQLError, validate } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { errorCode, errorWithCode } from '../errors.js';

/**
 * The cost budget: each operation's cost is estimated before anything runs (with
 * @pothos/plugin-complexity's rule, from the costs the schema gives its fields: builder.ts),
 * with this request's variables — so not in validation, which yoga caches by document — and
 * one above the budget is refused with QUERY_TOO_COMPLEX, stating both numbers.
 */

/** The operation's estimated cost, or the error that refuses it (or its connection arguments). */
export function operationCost(args: ExecutionArgs): number | GraphQLError {
  let cost = 0;
  try {
    validate(args.schema, args.document, [
      createComplexityRule({
        context: args.contextValue as object,
        variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
        operationName: args.operationName ?? undefined,
        validate: (state) => {
          cost = state.complexity;
        },
      }),
    ]);
  } catch (err) {
    // A field's cost threw: a connection's arguments were refused (connection-args.ts).
    if (errorCode(err)) return err as GraphQLError;
    throw err;
  }
  // Variables that do not coerce, or no such operation: execution reports those itself.
  return cost;
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

import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  getOperationAST,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { rootFieldNames } from './auth-plugin.js';
import type { GatewayMetrics } from './metrics.js';
import { requestMark } from './request-id.js';

// The label of an operation selecting many root fields: the first few, then how many more.
const MAX_NAMED_FIELDS = 4;

/** What one operation was, in names the schema has (never the client's own operation name). */
interface Operation {
  /** Root fields selected, in order: `me`, `containers,containerRequests`; `-` when unknown. */
  operation: string;
  type: 'query' | 'mutation' | 'subscription' | 'unknown';
}

/**
 * The operation's root fields, as far as the schema knows them. The client's operation name is
 * not used: it is the client's text (a bare token secret is a valid GraphQL name), and as a
 * metric label it would be unbounded.
 */
export function describeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
): Operation {
  const op = getOperationAST(document, operationName ?? undefined);
  const root = op && rootFieldNames(document, operationName);
  if (!op || !root) return { operation: '-', type: 'unknown' };
  const type = op.operation;
  const rootType = schema.getRootType(type);
  const known = root.fields.filter(
    (f) => f === '__typename' || f === '__schema' || f === '__type' || rootType?.getFields()[f],
  );
  const named = known.slice(0, MAX_NAMED_FIELDS).join(',');
  const more = root.fields.length - Math.min(known.length, MAX_NAMED_FIELDS);
  return { operation: (named || '-') + (more > 0 ? `,+${more}` : ''), type };
}

/** Our codes of a result's errors, in order, once each; an error without one is unexpected. */
function codesOf(errors: readonly GraphQLError[] | undefined): string[] {
  return [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
}

/**
 * One log line and one count per GraphQL operation, on /graphql and on /graphql/stream alike:
 * request id, operation (root fields) and type, the caller's token uuid (never the token),
 * duration, outcome and error codes. A subscription's line is written when it ends and covers
 * its life; a request refused before execution (malformed, invalid, token or scope refused)
 * gets its line too. Placed before the access check so that its refusals are seen here.
 */
export function operationLog(logger: Logger, metrics: GatewayMetrics): Plugin<Context> {
  const record = (context: unknown, op: Operation, codes: string[], extra: Record<string, unknown> = {}) => {
    const ctx = context as Partial<Context> & { request?: Request };
    const mark = requestMark(ctx.request);
    const seconds = mark ? (performance.now() - mark.start) / 1000 : 0;
    const outcome = codes[0] ?? 'ok';
    metrics.operation({ operation: op.operation, type: op.type, outcome }, seconds);
    logger.info('operation', {
      requestId: mark?.id,
      operation: op.operation,
      type: op.type,
      tokenUuid: ctx.caller?.token.uuid,
      durationMs: Math.round(seconds * 1e4) / 10,
      outcome,
      ...(codes.length ? { errorCodes: codes } : {}),
      ...extra,
    });
  };

  return {
    onParse({ context }) {
      return ({ result }) => {
        if (result instanceof Error) record(context, { operation: '-', type: 'unknown' }, ['BAD_USER_INPUT']);
      };
    },
    onValidate({ context, params }) {
      return ({ valid }) => {
        if (!valid) {
          const name = (context as { params?: { operationName?: string } }).params?.operationName;
          record(context, describeOperation(params.schema, params.documentAST, name), ['BAD_USER_INPUT']);
        }
      };
    },
    onExecute({ args }) {
      const op = describeOperation(args.schema, args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          // Incremental delivery (@defer, @stream) is not enabled: one result.
          record(args.contextValue, op, codesOf((result as ExecutionResult).errors));
        },
      };
    },
    onSubscribe({ args }) {
      const op = describeOperation(args.schema, args.document, args.operationName);
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) {
            record(args.contextValue, op, codesOf(result.errors));
            return;
          }
          metrics.subscriptionOpened();
          const codes = new Set<string>();
          let events = 0;
          return {
            onNext({ result: event }) {
              events++;
              for (const c of codesOf(event.errors)) codes.add(c);
            },
            onEnd() {
              metrics.subscriptionClosed();
              record(args.contextValue, op, [...codes], { events });
            },
          };
        },
      };
    },
  };
}

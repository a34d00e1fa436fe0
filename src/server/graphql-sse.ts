import crypto from 'node:crypto';
import { type DocumentNode, type ExecutionArgs, type GraphQLError, getOperationAST } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import { createLRUCache, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import type { Services } from '../core/services.js';
import { errorCode, forbidden, unauthenticated } from '../errors.js';
import { tokenFromAuthorizationHeader } from '../format/token-string.js';
import { normalizeResult } from './error-handling.js';
import { inputRefusal } from './input-guard.js';

/** Where the GraphQL-over-SSE protocol is served (both of its modes). */
export const SSE_ENDPOINT = '/graphql/stream';

// Streams reserved and not yet gone: who reserved each (at most this many remembered).
const MAX_STREAMS = 10_000;

/**
 * The GraphQL over Server-Sent Events protocol (graphql-sse), beside yoga's own SSE on /graphql:
 * in its single connection mode a page holds one event stream (PUT reserves it, GET opens it)
 * and runs any number of operations over it (POST with the stream's token), where each of
 * yoga's subscriptions holds an HTTP/1.1 connection of its own and a browser allows six per
 * host. The distinct connection mode works here too.
 *
 * The glue is ours rather than @graphql-yoga/plugin-graphql-sse's because that one runs the
 * operation past yoga's request hooks: here every operation gets the same input guard,
 * access check (envelop's, as on /graphql), masking and error normalisation as on /graphql.
 * A stream token is random (crypto) and bound to the API token that reserved it: only that
 * token may open the stream or run operations on it.
 */
export function graphqlSse(services: Services): Plugin<Context> {
  const owners = createLRUCache<string>({ max: MAX_STREAMS, ttl: 24 * 3600 * 1000 });
  let handler: (request: Request) => Promise<Response>;

  const callerToken = async (request: Request): Promise<string | null> => {
    const raw = tokenFromAuthorizationHeader(request.headers.get('authorization'));
    if (raw === null) return null;
    try {
      const remoteClusterId = request.headers.get('x-arvados-remote-cluster') ?? undefined;
      return (await services.validator.authenticate(raw, { remoteClusterId })).token.uuid;
    } catch (err) {
      if (errorCode(err)) return null;
      throw err;
    }
  };
  // graphql-sse's response form: [body, init].
  const refuse = (status: number, statusText: string, error: Error) =>
    [
      JSON.stringify({ errors: [error] }),
      { status, statusText, headers: { 'content-type': 'application/json; charset=utf-8' } },
    ] as const;

  return {
    onYogaInit({ yoga }) {
      const y = yoga as unknown as YogaServerInstance<Record<string, unknown>, Context>;
      handler = createHandler(
        {
          async authenticate(req) {
            const given =
              req.headers.get('x-graphql-event-stream-token') ??
              new URL(req.raw.url).searchParams.get('token');
            const token = await callerToken(req.raw);
            if (!token)
              return refuse(
                401,
                'Unauthorized',
                unauthenticated('Not logged in: send Authorization: Bearer <token>'),
              );
            if (given) {
              // Somebody else's stream (or none): the same answer, so stream tokens cannot be probed.
              if (owners.get(given) !== token)
                return refuse(403, 'Forbidden', forbidden('Unknown event stream'));
              return given;
            }
            const reserved = crypto.randomUUID();
            if (req.method === 'PUT') owners.set(reserved, token);
            return reserved;
          },
          async onSubscribe(req, params) {
            // A request error is sent as the operation's one event (graphql-sse recognises a
            // result by its `data` key; without one it would answer 400 and its client retry).
            const failed = (errors: readonly GraphQLError[]) =>
              withoutHttpExtensions(normalizeResult({ data: null, errors }));
            const refused = inputRefusal(params);
            if (refused) return failed([refused]);
            const enveloped = y.getEnveloped({ request: req.raw, params });
            let document: DocumentNode;
            try {
              document = enveloped.parse(params.query);
            } catch (err) {
              return failed([err as GraphQLError]);
            }
            const errors = enveloped.validate(enveloped.schema, document);
            if (errors.length > 0) return failed(errors);
            const args: ExecutionArgs = {
              schema: enveloped.schema,
              document,
              contextValue: await enveloped.contextFactory(),
              variableValues: params.variables,
              operationName: params.operationName,
            };
            const run =
              getOperationAST(document, params.operationName)?.operation === 'subscription'
                ? enveloped.subscribe
                : enveloped.execute;
            const result = await run(args);
            // A refusal before execution (the access check) has no `data`: give it one, as above.
            return (Symbol.asyncIterator in result ? result : { data: null, ...result }) as never;
          },
          onNext: (_ctx, _req, result) => withoutHttpExtensions(normalizeResult(result)),
        },
        y.fetchAPI,
      ) as (request: Request) => Promise<Response>;
    },
    onRequest({ request, url, endResponse }) {
      if (url.pathname === SSE_ENDPOINT) return handler(request).then(endResponse);
    },
  };
}

/** yoga reads `extensions.http` for a response's status and drops it; an event has no status. */
function withoutHttpExtensions<R>(result: R): R {
  const errors = (result as { errors?: readonly GraphQLError[] }).errors;
  if (!errors?.some((e) => e.extensions?.http)) return result;
  return {
    ...result,
    errors: errors.map((e) => {
      if (!e.extensions?.http) return e;
      const { http: _status, ...extensions } = e.extensions;
      return { ...e.toJSON(), extensions };
    }),
  };
}

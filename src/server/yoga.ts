import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import type { Services } from '../core/services.js';
import { errorCode } from '../errors.js';
import { tokenFromAuthorizationHeader } from '../format/token-string.js';
import { schema } from '../schema/index.js';
import { operationAccessPlugin } from './auth-plugin.js';
import { rejectDeepDocuments } from './depth-guard.js';
import { normalizeErrors } from './errors-plugin.js';
import { healthPlugin } from './health.js';
import { rejectNulCharacters } from './nul-guard.js';

export type Yoga = YogaServerInstance<Record<string, unknown>, Context>;

/** Builds the GraphQL server; listening is someone else's job (main.ts, tests use fetch). */
export function createGatewayYoga(services: Services): Yoga {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Served from the package, not a CDN: works behind a firewall.
    renderGraphiQL,
    graphiql: { title: 'Container request gateway' },
    logging: false,
    context: async ({ request }) => {
      const raw = tokenFromAuthorizationHeader(request.headers.get('authorization'));
      const base = { services, caller: null, authError: null };
      if (raw === null) {
        // A header that is present but not Bearer/OAuth2 is a bad token, not no token.
        return request.headers.get('authorization')
          ? {
              ...base,
              authError: new GraphQLError('Invalid Authorization header', {
                extensions: { code: 'UNAUTHENTICATED' },
              }),
            }
          : base;
      }
      const remoteClusterId = request.headers.get('x-arvados-remote-cluster') ?? undefined;
      try {
        return { ...base, caller: await services.validator.authenticate(raw, { remoteClusterId }) };
      } catch (err) {
        if (errorCode(err)) return { ...base, authError: err as GraphQLError };
        throw err;
      }
    },
    // Plugin order matters: health answers before GraphQL parsing; documents too deeply nested
    // for the parser and NUL characters are refused before anything parses or reads the
    // request; the access check runs before any resolver; error normalisation sees every
    // result last.
    plugins: [
      healthPlugin(services),
      rejectDeepDocuments(),
      rejectNulCharacters(),
      operationAccessPlugin(),
      normalizeErrors(),
    ],
    maskedErrors: {
      maskError(error, message) {
        // graphql-js' own variable coercion errors (missing, null or mistyped variables, or a
        // scalar refusing the value) are the client's: BAD_USER_INPUT. The inner error stays:
        // its message is the reason, which is how normalizeErrors tells the path and the reason
        // from the value they echo, and drops the value.
        if (error instanceof GraphQLError && !error.path && error.message.startsWith('Variable "$')) {
          return new GraphQLError(error.message, {
            nodes: error.nodes,
            originalError: error.originalError ?? undefined,
            extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
          });
        }
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        if (original instanceof GraphQLError && errorCode(original)) return original;
        if (error instanceof GraphQLError && errorCode(error) && !error.originalError) return error;
        // Unexpected: mask it for the client, and log its kind and place only. Never its
        // message: a driver's quotes SQL and parameters (secret-mount content, bare secrets),
        // which redact() cannot recognise.
        const code = (original as { code?: unknown } | null | undefined)?.code;
        services.logger.error('unexpected error', {
          name: (original as Error | null | undefined)?.name,
          code: typeof code === 'string' ? code : undefined,
          path: error instanceof GraphQLError ? error.path : undefined,
        });
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
  });
}

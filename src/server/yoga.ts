import type { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import { errorCode, unauthenticated } from '../errors.js';
import { tokenFromAuthorizationHeader } from '../format/token-string.js';
import { schema } from '../schema/index.js';
import { operationAccessPlugin } from './auth-plugin.js';
import { corsPlugin } from './cors.js';
import { operationDeadline } from './deadline.js';
import { documentLimits } from './document-limits.js';
import { drainPlugin } from './drain.js';
import { maskError, normalizeErrors } from './error-handling.js';
import { closeFinishedEventStreams } from './event-streams.js';
import { graphqlSse } from './graphql-sse.js';
import { healthPlugin } from './health.js';
import { inputGuard } from './input-guard.js';
import { metricsPlugin } from './metrics.js';
import { costLimit } from './operation-cost.js';
import { operationLog } from './operation-log.js';
import { persistedQueries } from './persisted-queries.js';
import { rateLimitPlugin, subscriptionCaps } from './quotas.js';
import { readinessPlugin } from './readiness.js';
import { requestBodyLimit } from './request-body-limit.js';
import { requestIdPlugin } from './request-id.js';
import type { ServerServices } from './services.js';
import { workbenchPlugin } from './workbench.js';

export type Yoga = YogaServerInstance<Record<string, unknown>, Context>;

/** Builds the GraphQL server; listening is someone else's job (main.ts, tests use fetch). */
export function createGatewayYoga(services: ServerServices): Yoga {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Served from the package, not a CDN: works behind a firewall. Loaded when a browser first
    // asks: the package is a 9 MB bundle that would cost every process ~80 MB resident.
    renderGraphiQL: async (options) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    graphiql: { title: 'Container request gateway' },
    // yoga's own health check answers 200 at any path ending in /health, whatever the
    // database: off (no request URL ends with a fragment). Ours: /healthz and /readyz.
    healthCheckEndpoint: '#',
    logging: false,
    // Ours (corsPlugin, below): yoga's default reflects any origin and allows credentials.
    cors: false,
    // Ours (requestBodyLimit, below): the same limit, without a stream per request.
    maxRequestBodySize: false,
    context: async ({ request }) => {
      const raw = tokenFromAuthorizationHeader(request.headers.get('authorization'));
      const base = { services, caller: null, authError: null };
      if (raw === null) {
        // A header that is present but not Bearer/OAuth2 is a bad token, not no token.
        return request.headers.get('authorization')
          ? {
              ...base,
              authError: unauthenticated('Invalid Authorization header'),
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
    // One ordered list; the order matters.
    plugins: [
      // X-Request-Id: the client's if it is safe, else a new one; in the response and the logs.
      requestIdPlugin(),
      // CORS_ORIGINS: answers allowed origins' preflights, labels their responses.
      corsPlugin(services.config.corsOrigins),
      // Answers /healthz before any GraphQL handling.
      healthPlugin(services),
      // GET /readyz: 503 while draining or when the database does not answer.
      readinessPlugin(services, services.drain),
      // While draining: Connection: close on every response; subscriptions end (completion).
      drainPlugin(services.drain),
      // GET /metrics (Prometheus), and the HTTP and phase timings it shows.
      metricsPlugin(services.metrics),
      // Serves the web UI's files at /workbench/ (no GraphQL there).
      workbenchPlugin(),
      // Event streams (here and below) close their connection when they end.
      closeFinishedEventStreams(),
      // Serves the graphql-sse protocol at /graphql/stream (one connection for many
      // subscriptions); its operations run through the hooks below, as on /graphql.
      graphqlSse(services),
      // Replaces a persisted query's hash by its document, so that everything after it sees
      // the document (the guard included).
      persistedQueries(),
      // Refuses a body over MAX_REQUEST_BODY_BYTES (413) before it is parsed.
      requestBodyLimit(),
      // Refuses documents too deep to parse and strings the database cannot store, before
      // anything parses or reads the request.
      inputGuard(),
      // Caps a document's tokens while it is parsed, and each operation's aliases, depth and
      // directives before it is validated (QUERY_TOO_COMPLEX).
      documentLimits(services.config.documentLimits),
      // A log line and metrics per operation; before the access check, to see its refusals.
      operationLog(services.logger, services.metrics),
      // Refuses invalid tokens, inactive users and root fields out of scope before any resolver.
      operationAccessPlugin(),
      // Each token's share: operations per window, subscriptions open at once (README, Limits).
      rateLimitPlugin(services.config.rateLimit),
      subscriptionCaps(services.config.maxSubscriptionsPerToken, services.config.maxSubscriptions),
      // Refuses an operation whose estimated cost is over the budget, or whose connection
      // arguments no page can have, before any resolver.
      costLimit(services.config.maxQueryCost),
      // Stops an operation at OPERATION_TIMEOUT_MS, or when its client goes away.
      operationDeadline(services.config.operationTimeoutMs),
      // Sees every result last: our codes only, the field at fault, no echoed values.
      normalizeErrors(),
    ],
    maskedErrors: { maskError: maskError(services.logger) },
  });
}

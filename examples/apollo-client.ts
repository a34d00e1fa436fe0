// An Apollo Client 4 set-up for this gateway, ready to copy: queries and mutations over HTTP
// with automatic persisted queries, subscriptions over graphql-sse in its single connection
// mode (one HTTP connection for all of a page's subscriptions), and cache policies for the
// paginated lists. test/clients/apollo.test.ts runs exactly this file.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type TypePolicies } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode, print } from 'graphql';
import { type Client, type ClientOptions, createClient } from 'graphql-sse';
import { Observable } from 'rxjs';

/** Runs each operation it gets over one graphql-sse client (subscriptions, here). */
export class SSELink extends ApolloLink {
  readonly client: Client<true>;

  constructor(options: ClientOptions<true>) {
    super();
    this.client = createClient(options);
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable((sink) =>
      this.client.subscribe(
        { ...operation, query: print(operation.query) },
        {
          next: (result) => sink.next(result as ApolloLink.Result),
          complete: () => sink.complete(),
          error: (err) => sink.error(err),
        },
      ),
    );
  }
}

/**
 * Lists are Relay connections: one cache entry per filter and order, pages merged in order.
 * Objects are normalised by `id` (their uuid), Apollo's default.
 */
export const typePolicies: TypePolicies = {
  Query: {
    fields: {
      containerRequests: relayStylePagination(['filter', 'orderBy']),
      containers: relayStylePagination(['filter', 'orderBy']),
    },
  },
  Container: { fields: { containerRequests: relayStylePagination(['orderBy']) } },
};

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `url`: the gateway's base URL (http://localhost:8080); `token`: an API token. */
export function createGatewayClient({ url, token }: { url: string; token: string }) {
  const headers = { authorization: `Bearer ${token}` };
  const http = new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: `${url}/graphql`, headers }));
  const sse = new SSELink({ url: `${url}/graphql/stream`, singleConnection: true, headers });
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    sse,
    http,
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
  return { client, sse: sse.client };
}

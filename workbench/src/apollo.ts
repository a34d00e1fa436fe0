// The workbench's Apollo Client: queries and mutations on /graphql (automatic persisted queries
// where the page may hash), subscriptions on /graphql/stream, both on the page's own origin.
// A refused token (UNAUTHENTICATED anywhere) signs the user out with the gateway's reason.
import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  type TypePolicies,
} from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { SSELink } from './sse-link';

export const typePolicies: TypePolicies = {
  Query: {
    fields: {
      containerRequests: relayStylePagination(['filter', 'orderBy']),
      containers: relayStylePagination(['filter', 'orderBy']),
    },
  },
  Container: { fields: { containerRequests: relayStylePagination(['orderBy']) } },
  // A mutation's result is stored under its arguments unless told otherwise: the input may
  // carry a runtime token, which must not stay in the cache.
  Mutation: { fields: { createContainerRequest: { keyArgs: false } } },
};

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The message of the first UNAUTHENTICATED error in `error`, if there is one. */
export function unauthenticatedMessage(error: unknown): string | null {
  if (!CombinedGraphQLErrors.is(error)) return null;
  const refused = error.errors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
  return refused ? refused.message : null;
}

export interface WorkbenchClient {
  client: ApolloClient;
  dispose(): void;
}

export function createWorkbenchClient(
  token: string,
  onUnauthenticated: (message: string) => void,
): WorkbenchClient {
  const headers = { authorization: `Bearer ${token}` };
  const http = new HttpLink({ uri: '/graphql', headers });
  // crypto.subtle exists only in secure contexts (https, localhost): elsewhere send documents.
  const queries = globalThis.crypto?.subtle ? new PersistedQueryLink({ sha256 }).concat(http) : http;
  const sse = new SSELink({ url: '/graphql/stream', singleConnection: true, headers });
  const errors = new ErrorLink(({ error }) => {
    const message = unauthenticatedMessage(error);
    if (message) onUnauthenticated(message);
  });
  const link = ApolloLink.from([
    errors,
    ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, sse, queries),
  ]);
  const client = new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
  return {
    client,
    dispose() {
      client.stop();
      sse.client.dispose();
    },
  };
}

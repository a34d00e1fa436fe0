// Rendering a page as the app does: an Apollo Client with the app's cache policies, a router
// on an in-memory location. `answer` plays the gateway for the operations the page sends:
// a canned result in the gateway's documented shape, or nothing (a request still in flight).
import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { ApolloProvider } from '@apollo/client/react';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { Observable } from 'rxjs';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { typePolicies } from '../src/apollo';

export type Answer = (op: ApolloLink.Operation) => ApolloLink.Result | null;

export function renderPage(ui: ReactNode, answer: Answer = () => null) {
  const sent: ApolloLink.Operation[] = [];
  const link = new ApolloLink(
    (op) =>
      new Observable((sink) => {
        sent.push(op);
        const result = answer(op);
        if (result) {
          sink.next(result);
          sink.complete();
        }
      }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
  const location = memoryLocation({ path: '/', record: true });
  const view = render(
    <ApolloProvider client={client}>
      <Router hook={location.hook}>{ui}</Router>
    </ApolloProvider>,
  );
  return { ...view, client, sent, location };
}

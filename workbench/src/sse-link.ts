// Subscriptions over graphql-sse's single connection mode: every stream of the page shares one
// HTTP connection (a browser allows six per host), as the README's Clients section explains.
import { ApolloLink } from '@apollo/client';
import { print } from 'graphql';
import { type Client, type ClientOptions, createClient } from 'graphql-sse';
import { Observable } from 'rxjs';

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

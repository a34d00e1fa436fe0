// Apollo Client 4, as a client developer would set it up (examples/apollo-client.ts), against
// a listening gateway: relayStylePagination, the normalised cache after a commit and a delete,
// automatic persisted queries, partial data with errorPolicy 'all', and subscriptions through
// the graphql-sse link.
import { gql, type TypedDocumentNode } from '@apollo/client';
import { createGatewayClient } from '../../examples/apollo-client.js';
import { createRequest, lock, requestInput, updateContainer } from '../helpers/api.js';
import { type Data, describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';

/** Response data read untyped here: each assertion states the shape it expects. */
const q = (text: TemplateStringsArray) => gql(text) as TypedDocumentNode<Data, Data>;

const PAGE = q`
  query Page($after: String) {
    containerRequests(first: 2, after: $after, orderBy: { field: CREATED_AT, direction: ASC }) {
      edges { cursor node { id uuid name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const REQUEST = q`
  query Request($uuid: ID!) { containerRequest(uuid: $uuid) { id state containerUuid } }
`;

/** Resolves once `ready()` is truthy (a client's asynchronous delivery), failing after 10 s. */
async function until(ready: () => unknown): Promise<void> {
  for (let waited = 0; !ready(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${ready}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every body the test's clients POST, to see what went over the wire. */
function recordFetch() {
  const real = globalThis.fetch;
  const bodies: Data[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (typeof init?.body === 'string' && String(input).endsWith('/graphql'))
      bodies.push(JSON.parse(init.body));
    return real(input, init);
  }) as typeof fetch;
  return { bodies, restore: () => (globalThis.fetch = real) };
}

describeBackends('Apollo Client 4', (gw) => {
  let url: string;
  let user: { uuid: string; token: string };
  const clients: ReturnType<typeof createGatewayClient>[] = [];
  const newClient = () => {
    const c = createGatewayClient({ url, token: user.token });
    clients.push(c);
    return c.client;
  };
  beforeAll(async () => {
    url = await gw().gateway.listen(0, '127.0.0.1');
    user = await gw().newUser();
  });
  afterAll(() => {
    for (const c of clients) {
      c.client.stop();
      c.sse.dispose();
    }
  });

  test('relayStylePagination merges pages; persisted queries send the hash alone once known', async () => {
    const names = [0, 1, 2, 3, 4].map((i) => `page-${i}`);
    for (const name of names) await createRequest(gw(), user.token, { command: ['echo', tag()], name });
    const rec = recordFetch();
    try {
      const client = newClient();
      const watched = client.watchQuery({ query: PAGE });
      let latest: Data = null;
      const sub = watched.subscribe((r) => {
        latest = r.data;
      });
      await until(() => latest?.containerRequests);
      // What a UI's "more" button does: each page lands in the one cached list it shows.
      while (latest.containerRequests.pageInfo.hasNextPage) {
        const shown = latest.containerRequests.edges.length;
        await watched.fetchMore({ variables: { after: latest.containerRequests.pageInfo.endCursor } });
        await until(() => latest.containerRequests.edges.length > shown);
      }
      const all = latest.containerRequests;
      sub.unsubscribe();
      expect(all.edges.map((e: Data) => e.node.name)).toEqual(names);
      expect(all.pageInfo.hasNextPage).toBe(false);

      // The first time, the hash alone is unknown: the link sends it again with the document.
      const first = rec.bodies.filter((b) => b.operationName === 'Page');
      expect(first[0].extensions.persistedQuery.sha256Hash).toMatch(/^[0-9a-f]{64}$/);
      expect(first[0].query).toBeUndefined();
      expect(first[1].query).toContain('containerRequests');
      // A new client (nothing cached) asks with the hash alone and gets its answer.
      rec.bodies.length = 0;
      const again = await newClient().query({ query: PAGE });
      expect(again.data!.containerRequests.edges).toHaveLength(2);
      expect(rec.bodies).toHaveLength(1);
      expect(rec.bodies[0].query).toBeUndefined();
    } finally {
      rec.restore();
    }
  });

  test('create and commit: the normalised cache updates what is watched; delete evicts it', async () => {
    const client = newClient();
    const created = await client.mutate({
      mutation: q`
        mutation Create($i: CreateContainerRequestInput!) {
          createContainerRequest(input: $i) { id state containerUuid }
        }
      `,
      variables: { i: requestInput({ command: ['echo', tag()], state: 'UNCOMMITTED' }) },
    });
    const cr = created.data!.createContainerRequest;
    const seen: string[] = [];
    const watched = client.watchQuery({
      query: REQUEST,
      variables: { uuid: cr.id },
      fetchPolicy: 'cache-first',
    });
    const sub = watched.subscribe((r) => {
      if (r.data?.containerRequest) seen.push(r.data.containerRequest.state);
    });
    await watched.refetch();
    await client.mutate({
      mutation: q`
        mutation Commit($u: ID!) {
          updateContainerRequest(uuid: $u, input: { state: COMMITTED }) { id state containerUuid }
        }
      `,
      variables: { u: cr.id },
    });
    // No refetch: the mutation's result, normalised by id, updated the watched query.
    expect(seen.at(-1)).toBe('COMMITTED');
    expect((client.cache.extract() as Data)[`ContainerRequest:${cr.id}`]).toMatchObject({
      state: 'COMMITTED',
    });

    await client.mutate({
      mutation: q`
        mutation Delete($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId deletedTypename } }
      `,
      variables: { u: cr.id },
      update(cache, { data }) {
        const { deletedId, deletedTypename } = data!.deleteContainerRequest;
        cache.evict({ id: cache.identify({ __typename: deletedTypename, id: deletedId }) });
      },
    });
    sub.unsubscribe();
    expect((client.cache.extract() as Data)[`ContainerRequest:${cr.id}`]).toBeUndefined();
  });

  test("errorPolicy 'all': a missing request beside me keeps me, with the NOT_FOUND error", async () => {
    const r = await newClient().query({
      query: q`
        query Partial($u: ID!) { me { id uuid } containerRequest(uuid: $u) { id } }
      `,
      variables: { u: 'zzzzz-xvhdp-000000000000000' },
      errorPolicy: 'all',
    });
    expect(r.data).toMatchObject({ me: { uuid: user.uuid }, containerRequest: null });
    const errors = (r.error as Data).errors;
    expect(errors[0].extensions.code).toBe('NOT_FOUND');
    expect(errors[0].path).toEqual(['containerRequest']);
  });

  test('subscriptions through the graphql-sse link: current state, changes, completion', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], useExisting: false });
    const events: Data[] = [];
    const done = new Promise<void>((resolve, reject) => {
      newClient()
        .subscribe({
          query: q`
            subscription Follow($u: ID!) {
              containerRequestUpdated(uuid: $u) { id state container { id state } }
            }
          `,
          variables: { u: cr.uuid },
        })
        .subscribe({
          next: (r) => {
            if (r.error) reject(r.error);
            events.push(r.data!.containerRequestUpdated);
          },
          error: reject,
          complete: resolve,
        });
    });
    const next = async (n: number) => {
      await until(() => events.length >= n);
      return events[n - 1];
    };
    expect(await next(1)).toMatchObject({ state: 'COMMITTED', container: { state: 'QUEUED' } });
    await lock(gw(), gw().rootToken, cr.containerUuid);
    expect(await next(2)).toMatchObject({ container: { state: 'LOCKED' } });
    await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' });
    await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'COMPLETE', exitCode: 0 });
    await done;
    expect(events.at(-1)).toMatchObject({ state: 'FINAL', container: { state: 'COMPLETE' } });
  });
});

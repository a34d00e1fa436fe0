// The graphql-sse protocol at /graphql/stream: a stream is reserved and opened only with a
// valid token, and only that token may use it; its operations get the same input guard,
// access check and error normalisation as /graphql. The single connection mode end to end
// (many subscriptions, one connection) is test/clients/browser.test.ts; Apollo's link over it
// is test/clients/apollo.test.ts.
import { createClient, type ExecutionResult } from 'graphql-sse';
import { boundedDocumentStore } from '../../src/server/persisted-queries.js';
import { createRequest } from '../helpers/api.js';
import { type Data, describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';

describeBackends('graphql-sse at /graphql/stream', (gw) => {
  let url: string;
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    url = await gw().gateway.listen(0, '127.0.0.1');
    user = await gw().newUser();
  });
  const reserve = (headers: Record<string, string>) =>
    fetch(`${url}/graphql/stream`, { method: 'PUT', headers });

  test('reserving a stream needs a valid token; a stream token works only with the token that reserved it', async () => {
    expect((await reserve({})).status).toBe(401);
    expect((await reserve({ authorization: 'Bearer v2/zzzzz-gj3su-000000000000000/nope' })).status).toBe(401);
    const res = await reserve({ authorization: `Bearer ${user.token}` });
    expect(res.status).toBe(201);
    const streamToken = await res.text();
    expect(streamToken).toMatch(/^[0-9a-f-]{36}$/);
    const other = await gw().newUser();
    const op = (token: string) =>
      fetch(`${url}/graphql/stream`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-graphql-event-stream-token': streamToken,
        },
        body: JSON.stringify({ query: '{ me { uuid } }', extensions: { operationId: '1' } }),
      });
    expect((await op(other.token)).status).toBe(403);
    // A stream token no one reserved: the same answer.
    const unknown = await fetch(`${url}/graphql/stream`, {
      headers: { authorization: `Bearer ${user.token}`, 'x-graphql-event-stream-token': crypto.randomUUID() },
    });
    expect(unknown.status).toBe(403);
  });

  test('single connection mode: queries and subscriptions, guarded and normalised as on /graphql', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const narrow = (
      await gw().gql(
        `mutation { createApiClientAuthorization(input: {scopes: ["query:me"]}) { apiToken } }`,
        {},
        user.token,
      )
    ).data.createApiClientAuthorization.apiToken;
    const run = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
      const client = createClient({
        url: `${url}/graphql/stream`,
        singleConnection: true,
        headers: { authorization: `Bearer ${token}` },
      });
      try {
        const results: ExecutionResult<Data>[] = [];
        await new Promise<void>((resolve, reject) => {
          const stop = client.subscribe(
            { query, variables },
            {
              next: (r) => {
                results.push(r as ExecutionResult<Data>);
                if (query.startsWith('subscription')) stop();
                if (query.startsWith('subscription')) resolve();
              },
              error: reject,
              complete: resolve,
            },
          );
        });
        return results[0]!;
      } finally {
        client.dispose();
      }
    };
    expect((await run(user.token, '{ me { uuid } }')).data).toEqual({ me: { uuid: user.uuid } });
    expect(
      (
        await run(user.token, 'subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid } }', {
          u: cr.uuid,
        })
      ).data,
    ).toEqual({ containerRequestUpdated: { uuid: cr.uuid } });
    // The access check: scopes.
    const denied = await run(narrow, '{ containers { totalCount } }');
    expect(denied.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    // The input guard: a NUL character in a variable.
    const nul = await run(
      user.token,
      'query($n: String) { containerRequests(filter: {nameContains: $n}) { totalCount } }',
      {
        n: 'a\u0000b',
      },
    );
    expect(nul.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'nameContains' });
    // Normalisation: graphql-js' own error, with our code and without the value it echoes.
    const secret = 'v2/zzzzz-gj3su-0123456789abcde/supersecretvalue';
    const bad = await run(user.token, `{ containerRequest(uuid: {x: "${secret}"}) { uuid } }`);
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(bad)).not.toContain('supersecretvalue');
  });
});

test('the persisted-query store is bounded in count and in size, least recently used out first', () => {
  const store = boundedDocumentStore(3, 100);
  for (const k of ['a', 'b', 'c']) store.set(k, `{ ${k} }`);
  expect(store.get('a')).toBe('{ a }'); // a is now the most recently used
  store.set('d', '{ d }');
  expect(store.get('b')).toBeUndefined();
  expect([store.get('a'), store.get('c'), store.get('d')]).toEqual(['{ a }', '{ c }', '{ d }']);
  store.set('big', 'x'.repeat(95)); // pushes out the oldest two to stay within 100 characters
  expect([store.get('a'), store.get('c'), store.get('d'), store.size]).toEqual([
    undefined,
    undefined,
    '{ d }',
    2,
  ]);
  store.set('huge', 'x'.repeat(101)); // larger than the whole store: not kept
  expect(store.get('huge')).toBeUndefined();
});

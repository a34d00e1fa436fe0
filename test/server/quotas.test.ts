import { createRequest, requestInput, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { sseClient } from '../helpers/sse.js';

// Quotas (issue 8, item 3): each token's share of the server.

const ME = '{ me { uuid } }';
const FOLLOW = `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid name } }`;

describeBackends(
  'rate limit per token (RATE_LIMIT_OPERATIONS per RATE_LIMIT_WINDOW_SECONDS)',
  (gw) => {
    test('past its share a token gets RATE_LIMITED with 429 and Retry-After; other tokens and admins go on', async () => {
      const greedy = await gw().newUser();
      const other = await gw().newUser();
      for (let i = 0; i < 5; i++) ok(await gw().gql(ME, {}, greedy.token));
      const refused = await gw().gql(ME, {}, greedy.token);
      expectError(refused, 'RATE_LIMITED', { message: /may run 5 every 60 s/ });
      expect(refused.status).toBe(429);
      expect(refused.errors![0]!.extensions).toMatchObject({ limit: 'RATE_LIMIT_OPERATIONS' });
      const retryAfter = refused.errors![0]!.extensions!.retryAfterSeconds as number;
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.body).not.toContain('"http"'); // yoga's status instructions stay internal
      // The header, over the same path a client takes.
      const res = await gw().gateway.yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${greedy.token}` },
        body: JSON.stringify({ query: ME }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      // Mutations and subscriptions count too.
      expectError(
        await gw().gql(
          `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }`,
          { i: requestInput() },
          greedy.token,
        ),
        'RATE_LIMITED',
      );

      for (let i = 0; i < 5; i++) ok(await gw().gql(ME, {}, other.token));
      for (let i = 0; i < 20; i++) ok(await gw().gql(ME, {}, gw().rootToken));
    });

    test('a refused token or an unauthenticated request does not use up anyone’s share', async () => {
      const user = await gw().newUser();
      for (let i = 0; i < 10; i++)
        expectError(await gw().gql(ME, {}, 'v2/zzzzz-gj3su-0123456789abcde/nope'), 'UNAUTHENTICATED');
      for (let i = 0; i < 5; i++) ok(await gw().gql(ME, {}, user.token));
    });
  },
  { RATE_LIMIT_OPERATIONS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' },
);

describeBackends(
  'the default rate limit',
  (gw) => {
    test('does not get in the way of heavy normal use: 500 operations at once from one token', async () => {
      const user = await gw().newUser();
      const answers = await Promise.all(Array.from({ length: 500 }, () => gw().gql(ME, {}, user.token)));
      expect(answers.filter((r) => r.errors)).toEqual([]);
    });
    // Only the rate limit is under test: 500 at once queue for PostgreSQL's 10 connections, and on
    // a busy machine that wait can pass the default DB_CONNECT_TIMEOUT_MS (10 s).
  },
  { DB_CONNECT_TIMEOUT_MS: '120000' },
);

describeBackends(
  'open subscriptions (MAX_SUBSCRIPTIONS_PER_TOKEN, MAX_SUBSCRIPTIONS)',
  (gw) => {
    const open = sseClient(gw, { current: true });

    test('a token at its cap gets RATE_LIMITED, a server at its cap SERVICE_UNAVAILABLE; an ended stream frees its place', async () => {
      const a = await gw().newUser();
      const b = await gw().newUser();
      const cr = await createRequest(gw(), a.token, { state: 'UNCOMMITTED' });
      const crB = await createRequest(gw(), b.token, { state: 'UNCOMMITTED' });
      const aStreams = [];
      for (let i = 0; i < 3; i++) aStreams.push(await open(FOLLOW, { u: cr.uuid }, a.token));
      const overA = await gw().gql(FOLLOW, { u: cr.uuid }, a.token);
      expectError(overA, 'RATE_LIMITED', { message: /3 open/ });
      expect(overA.errors![0]!.extensions).toMatchObject({ limit: 'MAX_SUBSCRIPTIONS_PER_TOKEN' });

      for (let i = 0; i < 2; i++) await open(FOLLOW, { u: crB.uuid }, b.token);
      const overServer = await gw().gql(FOLLOW, { u: crB.uuid }, b.token);
      expectError(overServer, 'SERVICE_UNAVAILABLE');
      expect(overServer.errors![0]!.extensions).toMatchObject({ limit: 'MAX_SUBSCRIPTIONS' });

      // The open ones still get their events.
      ok(await updateRequest(gw(), a.token, cr.uuid, { name: 'still followed' }));
      for (const s of aStreams)
        expect((await s.next()).data.containerRequestUpdated.name).toBe('still followed');

      // A client that leaves gives its place back.
      aStreams[0]!.close();
      let again: Awaited<ReturnType<typeof open>> | undefined;
      for (let i = 0; i < 50 && !again; i++) {
        try {
          again = await open(FOLLOW, { u: cr.uuid }, a.token);
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(again).toBeDefined();
    });
  },
  { MAX_SUBSCRIPTIONS_PER_TOKEN: '3', MAX_SUBSCRIPTIONS: '5' },
);

describeBackends('many subscribers of one object', (gw) => {
  const open = sseClient(gw, { current: true });

  test('15 streams on one request: each gets the change, and Node warns of no listener leak', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const user = await gw().newUser();
      const cr = await createRequest(gw(), user.token, { state: 'UNCOMMITTED' });
      const streams = [];
      for (let i = 0; i < 15; i++) streams.push(await open(FOLLOW, { u: cr.uuid }, user.token));
      ok(await updateRequest(gw(), user.token, cr.uuid, { name: 'seen by all' }));
      for (const s of streams) expect((await s.next()).data.containerRequestUpdated.name).toBe('seen by all');
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

// Observability: one structured log line per operation (request id, root fields, type, the
// caller's token uuid, duration, outcome and codes), X-Request-Id accepted only when it is
// safe, and Prometheus metrics at /metrics that move with what the gateway does.

import { createRequest } from '../helpers/api.js';
import { type Data, describeBackends, startTestGateway } from '../helpers/gateway.js';
import { scrape } from '../helpers/metrics.js';
import { found, tokenNeedles } from '../helpers/secrets.js';
import { sseClient } from '../helpers/sse.js';
import { uuidOf } from '../helpers/tokens.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeBackends('observability: request logs, X-Request-Id, /metrics', (gw) => {
  const subscribe = sseClient(gw, { current: true });

  /** The `operation` lines logged for one request id. */
  const linesOf = (requestId: string): Data[] =>
    gw()
      .logs.map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'operation' && l.requestId === requestId);

  const idOf = async (headers: Record<string, string>, path = '/graphql') => {
    const res = await gw().gateway.yoga.fetch(`http://test${path}`, {
      method: path === '/graphql' ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw().rootToken}`, ...headers },
      body: path === '/graphql' ? JSON.stringify({ query: '{ me { uuid } }' }) : undefined,
    });
    await res.text();
    return res.headers.get('x-request-id');
  };

  test('a safe X-Request-Id is kept; a missing, secret-like or garbage one is replaced by a UUID', async () => {
    for (const kept of [
      'abc-123',
      'f47ac10b-58cc-4372-a567-0e02b2c3d479',
      'lb.1:req_42',
      '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    ])
      expect(await idOf({ 'x-request-id': kept })).toBe(kept);
    const secret = uuidOf(gw().rootToken) && gw().rootToken.split('/')[2]!;
    for (const replaced of [
      secret,
      gw().rootToken,
      `req-${secret}`,
      'a'.repeat(65),
      'has space',
      '<script>',
      '',
    ]) {
      const id = await idOf({ 'x-request-id': replaced });
      expect([replaced.slice(0, 8), id]).toEqual([replaced.slice(0, 8), expect.stringMatching(UUID_RE)]);
    }
    expect(await idOf({})).toMatch(UUID_RE);
    // Every response has one, not only GraphQL's.
    expect(await idOf({}, '/healthz')).toMatch(UUID_RE);
  });

  test('one log line per operation: request id, root fields, type, token uuid, duration, outcome', async () => {
    const user = await gw().newUser();
    await gw().gql('query Mine { me { uuid } }', {}, user.token, { 'x-request-id': 'obs-me-1' });
    expect(linesOf('obs-me-1')).toEqual([
      {
        level: 'info',
        time: expect.any(String),
        msg: 'operation',
        requestId: 'obs-me-1',
        operation: 'me',
        type: 'query',
        tokenUuid: uuidOf(user.token),
        durationMs: expect.any(Number),
        outcome: 'ok',
      },
    ]);

    await gw().gql('mutation { createContainerRequest(input: {name: "x"}) { uuid } }', {}, user.token, {
      'x-request-id': 'obs-bad-input',
    });
    expect(linesOf('obs-bad-input')).toEqual([
      expect.objectContaining({
        operation: 'createContainerRequest',
        type: 'mutation',
        outcome: 'BAD_USER_INPUT',
        errorCodes: ['BAD_USER_INPUT'],
      }),
    ]);

    // Refused before execution: a bad token (no token uuid), and a document that does not parse.
    await gw().gql('{ me { uuid } }', {}, `${user.token}x`, { 'x-request-id': 'obs-unauth' });
    const [unauth] = linesOf('obs-unauth');
    expect(unauth).toEqual(expect.objectContaining({ operation: 'me', outcome: 'UNAUTHENTICATED' }));
    expect(unauth.tokenUuid).toBeUndefined();
    await gw().gql('{ me { uuid }', {}, user.token, { 'x-request-id': 'obs-parse' });
    expect(linesOf('obs-parse')).toEqual([
      expect.objectContaining({ operation: '-', type: 'unknown', outcome: 'BAD_USER_INPUT' }),
    ]);
    // A field the schema does not have is not named.
    await gw().gql('{ me { uuid } madeUpField }', {}, user.token, { 'x-request-id': 'obs-invalid' });
    expect(linesOf('obs-invalid')).toEqual([
      expect.objectContaining({ operation: 'me,+1', type: 'query', outcome: 'BAD_USER_INPUT' }),
    ]);
  });

  test("the client's operation name is never logged (it could be anything, a secret too)", async () => {
    const user = await gw().newUser();
    const secret = user.token.split('/')[2]!;
    await gw().gql(`query ${secret} { me { uuid } }`, {}, user.token, { 'x-request-id': 'obs-named' });
    const lines = linesOf('obs-named');
    expect(lines).toHaveLength(1);
    expect(found(JSON.stringify(lines), tokenNeedles('token', user.token))).toEqual([]);
    expect(found(gw().logs.join('\n'), tokenNeedles('token', user.token))).toEqual([]);
  });

  test('/metrics counts operations by root fields and outcome, with durations', async () => {
    const before = await scrape(gw());
    const me = { operation: 'me', type: 'query', outcome: 'ok' };
    const refused = { operation: 'me', type: 'query', outcome: 'UNAUTHENTICATED' };
    for (let i = 0; i < 3; i++) await gw().gql('{ me { uuid } }');
    await gw().gql('{ me { uuid } }', {}, 'v2/zzzzz-gj3su-000000000000000/nope');
    const after = await scrape(gw());
    expect(after.value('gateway_operations_total', me) - before.value('gateway_operations_total', me)).toBe(
      3,
    );
    expect(
      after.value('gateway_operations_total', refused) - before.value('gateway_operations_total', refused),
    ).toBe(1);
    expect(after.family('gateway_operation_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(
      after.value('gateway_operation_duration_seconds_count', me) -
        before.value('gateway_operation_duration_seconds_count', me),
    ).toBe(3);
    // yoga's plugin: HTTP durations by type and status, never by the client's operation name.
    expect(
      after.value('graphql_yoga_http_duration_count', { operationType: 'query', statusCode: '200' }),
    ).toBeGreaterThan(0);
    expect(after.families.flatMap((f) => f.metrics).some((m) => m.labels?.operationName)).toBe(false);
    // PostgreSQL's pool is shown; the embedded database has none.
    const pool = after.value('gateway_db_pool_connections', { state: 'total' });
    if (gw().backend === 'postgres') expect(pool).toBeGreaterThanOrEqual(1);
    else expect(after.family('gateway_db_pool_connections')?.metrics ?? []).toEqual([]);
  });

  test('/metrics shows the containers by state and the queue dispatchers take, as the database counts them', async () => {
    const exact = async () => {
      const rows = await gw().gateway.services.db.prisma.$queryRaw<
        { state: string; n: number; ready: number }[]
      >`
        SELECT state::text AS state, count(*)::int AS n, count(*) FILTER (WHERE priority > 0)::int AS ready
        FROM containers GROUP BY state`;
      const of = (state: string) => rows.find((r) => r.state === state);
      return {
        queued: of('QUEUED')?.n ?? 0,
        ready: of('QUEUED')?.ready ?? 0,
        cancelled: of('CANCELLED')?.n ?? 0,
      };
    };
    const user = await gw().newUser();
    const before = await scrape(gw());
    // Commands of their own: no reuse of a container made before.
    const command = (n: number) => ['echo', `metrics-${n}-${Date.now()}`];
    await createRequest(gw(), user.token, { state: 'COMMITTED', priority: 1, command: command(1) });
    await createRequest(gw(), user.token, { state: 'COMMITTED', priority: 0, command: command(2) });
    const after = await scrape(gw());
    const now = await exact();
    expect(after.value('gateway_containers', { state: 'QUEUED' })).toBe(now.queued);
    expect(after.value('gateway_queue_depth')).toBe(now.ready);
    expect(after.value('gateway_containers', { state: 'CANCELLED' })).toBe(now.cancelled);
    // A commit with priority 0 makes a container that is QUEUED but not in the queue.
    expect(
      after.value('gateway_containers', { state: 'QUEUED' }) -
        before.value('gateway_containers', { state: 'QUEUED' }),
    ).toBe(2);
    expect(after.value('gateway_queue_depth') - before.value('gateway_queue_depth')).toBe(1);
  });

  test('/metrics shows open subscriptions; a subscription logs one line when it ends', async () => {
    const user = await gw().newUser();
    const cr = await createRequest(gw(), user.token);
    const open = async () => (await scrape(gw())).value('gateway_open_subscriptions');
    const before = await open();
    const s = await subscribe(
      'subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid } }',
      { u: cr.uuid },
      user.token,
    );
    expect(await open()).toBe(before + 1);
    s.close();
    // The server notices the client went away.
    for (let i = 0; i < 100 && (await open()) !== before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(before);
    const lines = gw()
      .logs.map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'operation' && l.operation === 'containerRequestUpdated');
    expect(lines).toEqual([
      expect.objectContaining({
        type: 'subscription',
        tokenUuid: uuidOf(user.token),
        outcome: 'ok',
        events: 1,
      }),
    ]);
  });
});

test('token sweeps are counted on /metrics', async () => {
  const gw = await startTestGateway('pglite', { TOKEN_SWEEP_SECONDS: '1' });
  try {
    for (
      let i = 0;
      i < 60 && (await scrape(gw)).value('gateway_token_sweeps_total', { outcome: 'ok' }) < 1;
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    expect((await scrape(gw)).value('gateway_token_sweeps_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(
      1,
    );
  } finally {
    await gw.close();
  }
});

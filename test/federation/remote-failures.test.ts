// One real gateway (bbbbb) whose remote clusters are stand-ins answering badly in every way a
// remote can: each must make the token invalid with a clear error, and leave the server up.

import { errorCode } from '../helpers/assert.js';
import { eachBackend, type TestGateway } from '../helpers/gateway.js';
import { secretOf, uuidOf } from '../helpers/tokens.js';
import {
  closedPort,
  expectNoSecretsInLogs,
  type FakeAnswer,
  type FakeCall,
  FakeRemote,
  madeUpToken,
  randomTail,
  startCluster,
  validAnswer,
} from './clusters.js';

const ME = '{ me { uuid email fullName isAdmin isActive } }';
const TIMEOUT_MS = 2000;

/** The token uuid a validation call asks about (from its Authorization header). */
const askedUuid = (call: FakeCall) => uuidOf(String(call.headers.authorization).replace(/^Bearer /, ''));
const userOf = (cluster: string) => ({
  uuid: `${cluster}-tpzed-${randomTail()}`,
  email: `someone@${cluster}.example`,
  fullName: `Someone of ${cluster}`,
});

eachBackend(`remote clusters that fail`, (backend) => {
  let B: TestGateway;
  const fakes: Record<string, FakeRemote> = {};
  const secrets: string[] = [];
  const tokenOf = (cluster: string) => {
    const t = madeUpToken(cluster);
    secrets.push(secretOf(t));
    return t;
  };

  const behaviours: Record<string, (call: FakeCall) => FakeAnswer> = {
    good0: (c) => ({ body: validAnswer(askedUuid(c), userOf('good0')), delayMs: 100 }),
    slow0: () => 'hang',
    err50: () => ({ status: 500, body: 'Internal Server Error' }),
    // A valid-looking body with a non-200 status is still a failure.
    err5j: (c) => ({ status: 502, body: validAnswer(askedUuid(c), userOf('err5j')) }),
    garbg: () => ({ body: '<html>this is not JSON {' }),
    shape: (c) => ({
      body: { data: { currentApiClientAuthorization: { uuid: askedUuid(c), scopes: 'all', user: null } } },
    }),
    other: () => ({ body: validAnswer(`other-gj3su-${randomTail()}`, userOf('other')) }),
    gqerr: () => ({
      body: {
        data: null,
        errors: [{ message: 'Invalid or expired token', extensions: { code: 'UNAUTHENTICATED' } }],
      },
    }),
    zbork: (c) => ({ body: validAnswer(askedUuid(c), userOf('zbbbb')) }),
    huge0: (c) => ({
      body: { ...validAnswer(askedUuid(c), userOf('huge0')), padding: 'x'.repeat(1 << 20) },
    }),
    redir: () => ({ status: 307, body: '', headers: { location: 'http://127.0.0.1:1/graphql' } }),
    expd0: (c) => ({
      body: validAnswer(askedUuid(c), userOf('expd0'), {
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      }),
    }),
    echo0: () => ({
      body: { errors: [{ message: 'nope', extensions: { code: 'UNAUTHENTICATED and more text' } }] },
    }),
  };

  beforeAll(async () => {
    for (const [id, respond] of Object.entries(behaviours)) fakes[id] = await new FakeRemote(respond).start();
    const remotes = Object.fromEntries(Object.entries(fakes).map(([id, f]) => [id, f.graphqlUrl]));
    remotes.dead0 = `http://127.0.0.1:${await closedPort()}/graphql`;
    B = await startCluster(backend, 'bbbbb', null, remotes, {
      REMOTE_TIMEOUT_MS: String(TIMEOUT_MS),
      REMOTE_CONCURRENCY: '2',
    });
  });

  afterAll(async () => {
    for (const f of Object.values(fakes)) await f.close();
    await B?.close();
  });

  const expectRefused = async (token: string) => {
    const r = await B.gql(ME, {}, token);
    expect(r.status).toBe(200);
    expect(r.data ?? null).toBeNull();
    expect(r.errors).toEqual([
      { message: 'Invalid or expired token', extensions: { code: 'UNAUTHENTICATED' } },
    ]);
    // Still serving.
    expect((await B.gql(ME)).data.me.uuid).toBe('bbbbb-tpzed-000000000000000');
    const prisma = B.gateway.services.db.prisma;
    expect(await prisma.apiClientAuthorization.findUnique({ where: { uuid: uuidOf(token) } })).toBeNull();
  };
  const loggedReason = (cluster: string) =>
    B.logs
      .map((l) => JSON.parse(l) as { msg: string; cluster?: string; reason?: string })
      .filter((l) => l.cluster === cluster)
      .map((l) => l.reason);

  test('a well-behaved stand-in is believed, and is asked the way design.md §7 says', async () => {
    const token = tokenOf('good0');
    const r = await B.gql(ME, {}, token);
    expect(r.errors).toBeUndefined();
    expect(r.data.me.uuid.startsWith('good0-tpzed-')).toBe(true);
    const call = fakes.good0!.calls.at(-1)!;
    expect(call.headers.authorization).toBe(`Bearer ${token}`);
    expect(call.headers['x-arvados-remote-cluster']).toBe('bbbbb');
    expect(JSON.parse(call.body).query).toMatch(
      /currentApiClientAuthorization\s*\{\s*uuid scopes expiresAt user \{ uuid email fullName isActive \}/,
    );
  });

  test('unreachable (closed port)', async () => {
    await expectRefused(tokenOf('dead0'));
    expect(loggedReason('dead0')).toContain('unreachable (ECONNREFUSED)');
  });

  test('slow: no answer within REMOTE_TIMEOUT_MS', async () => {
    const t0 = Date.now();
    await expectRefused(tokenOf('slow0'));
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 5000);
    expect(loggedReason('slow0')).toContain(`no answer within ${TIMEOUT_MS} ms`);
  });

  test('HTTP 500 and 502, even with a well-formed body', async () => {
    await expectRefused(tokenOf('err50'));
    await expectRefused(tokenOf('err5j'));
    expect(loggedReason('err50')).toContain('HTTP 500, not JSON');
    expect(loggedReason('err5j')).toContain('HTTP 502');
  });

  test('garbage, wrong shape, oversized and redirecting answers', async () => {
    for (const id of ['garbg', 'shape', 'huge0', 'redir']) await expectRefused(tokenOf(id));
    expect(loggedReason('garbg')).toContain('HTTP 200, not JSON');
    expect(loggedReason('shape')).toContain('answer has the wrong shape');
    expect(loggedReason('huge0')).toContain('answer larger than 65536 bytes');
    // fetch refuses to follow: the token never travels to the redirect target.
    expect(loggedReason('redir')).toHaveLength(1);
    expect(fakes.redir!.calls).toHaveLength(1);
  });

  test('GraphQL errors, an answer about another token, an already expired token', async () => {
    for (const id of ['gqerr', 'other', 'expd0', 'echo0']) await expectRefused(tokenOf(id));
    expect(loggedReason('gqerr')).toContain('refused by the home cluster (UNAUTHENTICATED)');
    expect(loggedReason('other')).toContain('answered for another token');
    expect(loggedReason('expd0')).toContain('token already expired');
    // A code that is not a plain code is not repeated in the log.
    expect(loggedReason('echo0')).toContain('refused by the home cluster (error)');
  });

  test("a remote vouching for another cluster's user (zbork → zbbbb) is refused", async () => {
    await expectRefused(tokenOf('zbork'));
    expect(loggedReason('zbork')).toContain('vouched for a user of another cluster');
    expect(await B.gateway.services.db.prisma.user.count({ where: { uuid: { startsWith: 'zbbbb-' } } })).toBe(
      0,
    );
  });

  test('remote calls are bounded by REMOTE_CONCURRENCY', async () => {
    const good = fakes.good0!;
    good.maxInFlight = 0;
    const tokens = Array.from({ length: 6 }, () => tokenOf('good0'));
    const results = await Promise.all(tokens.map((t) => B.gql(ME, {}, t)));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(good.maxInFlight).toBe(2);
  });

  test('a validation waiting for a slot gives up at the same deadline', async () => {
    const t0 = Date.now();
    // Two take the slots and hang; the third waits and times out with them.
    const results = await Promise.all([0, 1, 2].map(() => B.gql(ME, {}, tokenOf('slow0'))));
    for (const r of results) expect(errorCode(r)).toBe('UNAUTHENTICATED');
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS + 5000);
    expect((await B.gql(ME)).data.me.uuid).toBe('bbbbb-tpzed-000000000000000');
  });

  test('no log line carries a token secret; every failure names its cluster', () => {
    expectNoSecretsInLogs(B.logs, secrets);
    for (const id of ['dead0', 'slow0', 'err50', 'garbg', 'zbork'])
      expect(loggedReason(id).length).toBeGreaterThan(0);
  });
});

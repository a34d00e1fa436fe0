import pg from 'pg';
import { expectError } from '../helpers/assert.js';
import { BACKENDS } from '../helpers/backends.js';
import { eachBackend, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { sql } from '../helpers/sql.js';
import { type StallProxy, startStallProxy } from '../helpers/stall-proxy.js';

// Time limits (issue 8, item 2): an operation's deadline, the client going away, and a
// database that is slow or stalled.

// A mutation's fields run one after another: N user creations make an operation that takes
// a while, and whose progress the users table shows. Each is an alias: the gateways here allow
// that many (MAX_ALIASES).
const CREATIONS = 300;
const ALIASES = { MAX_ALIASES: String(CREATIONS) };
const manyCreations = (tag: string) =>
  `mutation { ${Array.from(
    { length: CREATIONS },
    (_, i) => `u${i}: createUser(input: {email: "${tag}${i}@example.com"}) { uuid }`,
  ).join(' ')} }`;

async function usersTagged(gw: TestGateway, tag: string): Promise<number> {
  const rows = await sql<{ n: bigint }>(gw, `SELECT count(*) AS n FROM users WHERE email LIKE $1`, `${tag}%`);
  return Number(rows[0]!.n);
}

/** Waits until the count stops changing for `quietMs`, and returns it. */
async function settled(count: () => Promise<number>, quietMs = 1500): Promise<number> {
  let last = await count();
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await count();
    if (now === last) return now;
    last = now;
  }
}

/** The promise's value, or a failure naming what did not come within `ms`. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

eachBackend('operation deadline (OPERATION_TIMEOUT_MS)', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(backend, { OPERATION_TIMEOUT_MS: '300', ...ALIASES });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('an operation past its deadline ends with TIMEOUT, and its remaining fields do not run', async () => {
    const r = await gw.gql(manyCreations('deadline'));
    expectError(r, 'TIMEOUT', { message: /300 ms/ });
    expect(r.errors![0]!.extensions).toMatchObject({ limit: 'OPERATION_TIMEOUT_MS', limitMs: 300 });
    const done = await settled(() => usersTagged(gw, 'deadline'));
    expect(done).toBeLessThan(CREATIONS);
    // The gateway goes on answering.
    expect((await gw.gql('{ me { uuid } }')).errors).toBeUndefined();
  });
});

eachBackend('a client that goes away', (backend) => {
  let gw: TestGateway;
  let url: string;
  beforeAll(async () => {
    gw = await startTestGateway(backend, ALIASES);
    url = await gw.gateway.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('its operation stops: the fields not yet run never run', async () => {
    const client = new AbortController();
    const sent = fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.rootToken}` },
      body: JSON.stringify({ query: manyCreations('gone') }),
      signal: client.signal,
    }).catch((err: Error) => err);
    // Hang up once the operation is under way.
    while ((await usersTagged(gw, 'gone')) < 3) await new Promise((r) => setTimeout(r, 20));
    client.abort();
    expect(await sent).toMatchObject({ name: 'AbortError' });
    const done = await settled(() => usersTagged(gw, 'gone'));
    expect(done).toBeLessThan(CREATIONS);
  });
});

// PostgreSQL only: PGlite runs in this process, and neither stalls nor times a statement out
// on its own (the operation deadline above still holds there).
const onPostgres = BACKENDS.includes('postgres') ? describe : describe.skip;

onPostgres('a PostgreSQL that stops answering [postgres]', () => {
  let proxy: StallProxy;
  let gw: TestGateway;
  let url: string;
  beforeAll(async () => {
    proxy = await startStallProxy(process.env.TEST_DATABASE_URL!);
    gw = await startTestGateway(
      'postgres',
      { HEALTH_TIMEOUT_MS: '1000' },
      { via: (u) => proxy.urlFor(u), timeouts: { statementMs: 1000, connectMs: 1000 } },
    );
    url = await gw.gateway.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    proxy?.resume();
    await gw?.close();
    await proxy?.close();
  });

  test('/healthz answers 503, queries get SERVICE_UNAVAILABLE, and both recover when it answers again', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    proxy.stall();
    try {
      const health = await within(10_000, '/healthz', fetch(`${url}/healthz`));
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'database unavailable' });
      // Several at once: more than the pool's connections wait, and each gets its answer.
      const answers = await within(
        20_000,
        'queries',
        Promise.all(Array.from({ length: 12 }, () => gw.gql('{ me { uuid } }'))),
      );
      for (const r of answers) expectError(r, 'SERVICE_UNAVAILABLE');
      expect(gw.logs.join('\n')).not.toMatch(/unexpected error/);
    } finally {
      proxy.resume();
    }
    // Broken connections are replaced: the next requests are served.
    let health = 0;
    for (let i = 0; i < 20 && health !== 200; i++) {
      health = (await fetch(`${url}/healthz`)).status;
      if (health !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(health).toBe(200);
    expect((await gw.gql('{ me { uuid } }')).errors).toBeUndefined();
  });
});

onPostgres('a statement that waits on a lock [postgres]', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway('postgres', {}, { timeouts: { statementMs: 1000, connectMs: 1000 } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('ends at the statement timeout with TIMEOUT', async () => {
    const target = gw.gateway.services.db.adapter.target as { url: string };
    const locker = new pg.Client({ connectionString: target.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE container_requests IN ACCESS EXCLUSIVE MODE');
      const r = await within(15_000, 'query', gw.gql('{ containerRequests(first: 1) { nodes { uuid } } }'));
      expectError(r, 'TIMEOUT');
      expect(r.errors![0]!.extensions).toMatchObject({ limit: 'DB_STATEMENT_TIMEOUT_MS' });
      expect(r.errors![0]!.path).toEqual(['containerRequests']);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await gw.gql('{ containerRequests(first: 1) { nodes { uuid } } }')).errors).toBeUndefined();
  });
});

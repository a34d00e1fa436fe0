// Several gateway processes on one PostgreSQL behave as one: a subscriber on one hears changes
// made through the others (NOTIFY, sent inside the writing transaction), locks race correctly
// across them, a token refused by one is refused by all (no token is cached in a process), and
// a listener whose database connection is cut says so on its streams and listens again.
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { expireToken } from '../../src/domain/tokens.js';
import { requestInput } from '../helpers/api.js';
import { errorCode, ok } from '../helpers/assert.js';
import { freshPostgresDatabase } from '../helpers/backends.js';
import { waitFor } from '../helpers/dispatcher.js';
import { type Data, TEST_SECRETS_KEY } from '../helpers/gateway.js';
import { gqlAt, ServerProcess } from '../helpers/server-process.js';
import { SseSubscription } from '../helpers/sse.js';
import { uuidOf } from '../helpers/tokens.js';

const ROOT = 'severalgatewaysroot0123456789abcdefghijklmnopqr';
const FOLLOW = 'subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid name } }';
const RENAME =
  'mutation($u: ID!, $n: String!) { updateContainerRequest(uuid: $u, input: {name: $n}) { uuid } }';
const CREATE =
  'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid containerUuid } }';
const COMMIT = 'mutation($u: ID!) { updateContainerRequest(uuid: $u, input: {state: COMMITTED}) { uuid } }';
const READ = 'query($u: ID!) { containerRequest(uuid: $u) { containerUuid } }';
const FOLLOW_CONTAINER = 'subscription($u: ID!) { containerUpdated(uuid: $u) { uuid priority } }';
const PROCESS_MS = 300_000;

const run = process.env.TEST_DATABASE_URL ? describe : describe.skip;
// The gateways' bound on trusting a validated token without reading it again (the default).
const TOKEN_CACHE_SECONDS = 1;

run('three gateway processes on one PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  const servers: ServerProcess[] = [];
  let urls: string[] = [];
  const base = (u: string) => u.replace(/\/graphql$/, '');
  const as = (i: number, query: string, variables: Record<string, unknown> = {}, token = ROOT) =>
    gqlAt(urls[i]!, token, query, variables);
  const follow = async (i: number, uuid: string, token = ROOT) => {
    const s = await SseSubscription.open(base(urls[i]!), FOLLOW, { u: uuid }, token);
    await s.ready();
    await s.next(); // the current state
    return s;
  };

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    for (let i = 0; i < 3; i++)
      servers.push(
        ServerProcess.start({
          DATABASE_URL: db.url,
          SECRETS_KEY: TEST_SECRETS_KEY,
          SYSTEM_ROOT_TOKEN: ROOT,
          HOST: '127.0.0.1',
          TOKEN_CACHE_SECONDS: String(TOKEN_CACHE_SECONDS),
        }),
      );
    urls = await Promise.all(servers.map((s) => s.ready(PROCESS_MS)));
  }, PROCESS_MS);
  afterAll(async () => {
    for (const s of servers) await s.kill();
    await db?.drop();
  });

  test('a subscriber on the first hears the changes made through the second and the third', async () => {
    const cr = ok(await as(0, CREATE, { i: requestInput() })).createContainerRequest.uuid;
    const sub = await follow(0, cr);
    try {
      ok(await as(1, RENAME, { u: cr, n: 'through the second' }));
      expect((await sub.next()).data.containerRequestUpdated.name).toBe('through the second');
      ok(await as(2, RENAME, { u: cr, n: 'through the third' }));
      expect((await sub.next()).data.containerRequestUpdated.name).toBe('through the third');
    } finally {
      sub.close();
    }
  });

  test('a commit announces itself in its own statement: heard on the first when made through the others', async () => {
    const tag = `commit-${Date.now()}`;
    const input = (over: Record<string, unknown>) => requestInput({ command: ['echo', tag], ...over });
    const cr = ok(await as(0, CREATE, { i: input({ state: 'UNCOMMITTED' }) })).createContainerRequest.uuid;
    const sub = await follow(0, cr);
    let containerSub: SseSubscription | undefined;
    try {
      // Committed by an update through the second: the request's event.
      ok(await as(1, COMMIT, { u: cr }));
      const heard = (await sub.next()).data.containerRequestUpdated;
      expect(heard.uuid).toBe(cr);
      const { containerUuid } = ok(await as(0, READ, { u: cr })).containerRequest;
      expect(containerUuid).toBeTruthy();
      containerSub = await SseSubscription.open(base(urls[0]!), FOLLOW_CONTAINER, { u: containerUuid }, ROOT);
      await containerSub.ready();
      await containerSub.next(); // the current state
      // Created committed through the third, onto the same container with a higher priority: the
      // container's new priority is heard.
      const again = ok(await as(2, CREATE, { i: input({ priority: 999 }) })).createContainerRequest;
      expect(again.containerUuid).toBe(containerUuid);
      expect((await containerSub.next()).data.containerUpdated.uuid).toBe(containerUuid);
    } finally {
      sub.close();
      containerSub?.close();
    }
  });

  test('20 lockers spread over the three: exactly one wins, the others are refused with CONFLICT', async () => {
    const cr: Data = ok(
      await as(0, CREATE, { i: requestInput({ state: 'COMMITTED' }) }),
    ).createContainerRequest;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        as(i % 3, 'mutation($u: ID!) { lockContainer(uuid: $u) { uuid state } }', { u: cr.containerUuid }),
      ),
    );
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.data.lockContainer.state).toBe('LOCKED');
    expect(results.filter((r) => r.errors).map(errorCode)).toEqual(Array(19).fill('CONFLICT'));
  });

  test('a token revoked is refused by every gateway once TOKEN_CACHE_SECONDS has passed', async () => {
    const user = ok(
      await as(0, 'mutation { createUser(input: {email: "rev@example.com", fullName: "Rev"}) { uuid } }'),
    ).createUser.uuid;
    const token = ok(
      await as(0, 'mutation($u: ID!) { createApiClientAuthorization(input: {userUuid: $u}) { apiToken } }', {
        u: user,
      }),
    ).createApiClientAuthorization.apiToken;
    for (const i of [0, 1, 2]) expect(ok(await as(i, '{ me { uuid } }', {}, token)).me.uuid).toBe(user);
    // Revoked as an operator would (the API has no revocation): the row expires now.
    const direct = await openDatabase({ kind: 'postgres', url: db.url }, { migrate: false });
    try {
      await expireToken(direct.prisma, uuidOf(token));
    } finally {
      await direct.close();
    }
    // Each gateway may trust its copy of the row for the bound, not a moment longer.
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_SECONDS * 1000 + 50));
    for (const i of [0, 1, 2])
      expect(errorCode(await as(i, '{ me { uuid } }', {}, token))).toBe('UNAUTHENTICATED');
  });

  test('a listener whose connection is cut: its streams get one error event and complete; it listens again', async () => {
    const cr = ok(await as(0, CREATE, { i: requestInput() })).createContainerRequest.uuid;
    const sub = await follow(0, cr);
    const pid = servers[0]!.serverPid();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const listenerBackend = async () =>
      (
        await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
          `cr-gateway listener ${pid}`,
        ])
      ).rows[0]?.pid as number | undefined;
    try {
      const before = await waitFor('the listener', listenerBackend);
      await admin.query('SELECT pg_terminate_backend($1)', [before]);
      const last = await sub.next();
      expect(last.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(last.errors[0].message).toMatch(/may have been missed/);
      await sub.completes();
      // Listening again, on a new connection: a new subscriber hears a change made elsewhere.
      const after = await waitFor('the listener to reconnect', listenerBackend);
      expect(after).not.toBe(before);
      const again = await follow(0, cr);
      try {
        ok(await as(1, RENAME, { u: cr, n: 'after the cut' }));
        expect((await again.next()).data.containerRequestUpdated.name).toBe('after the cut');
      } finally {
        again.close();
      }
      expect(servers[0]!.text()).toContain('change events may have been missed');
    } finally {
      sub.close();
      await admin.end();
    }
  });
});

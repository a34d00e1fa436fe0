// Graceful shutdown: /healthz is liveness, /readyz readiness (503 from the moment the drain
// starts); SIGTERM drains (no new connections, requests in flight answered, subscriptions
// completed) and exits 0; `npm start` is the one process that gets the signal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-sse';
import { createRequest, requestInput } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { freshPostgresDatabase } from '../helpers/backends.js';
import { type Data, describeBackends, TEST_SECRETS_KEY } from '../helpers/gateway.js';
import { gqlAt, ServerProcess } from '../helpers/server-process.js';
import { SseSubscription } from '../helpers/sse.js';
import { SteadyClient } from '../helpers/steady-client.js';

const ROOT_SECRET = 'drainrootsecret0123456789abcdefghijklmnopqrstuv';
const FOLLOW = 'subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid name } }';
// A first start on a fresh embedded directory applies the migrations (WASM): slow on a busy machine.
const PROCESS_MS = 300_000;

async function post(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  return ok(await gqlAt(url, ROOT_SECRET, query, variables));
}

const newRequest = async (url: string): Promise<string> =>
  (
    await post(
      url,
      'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }',
      {
        i: requestInput(),
      },
    )
  ).createContainerRequest.uuid;

describeBackends('graceful shutdown in process', (gw) => {
  const get = (p: string) => gw().gateway.yoga.fetch(`http://test${p}`);

  test('/healthz is liveness, /readyz readiness; yoga’s own /health is gone', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect((await get('/health')).status).toBe(404);
    expect((await get('/graphql/health')).status).not.toBe(200);
  });

  test('the drain: /readyz 503 at once, both kinds of subscription complete, the listener closes', async () => {
    const url = await gw().gateway.listen(0, '127.0.0.1');
    const user = await gw().newUser();
    const cr = await createRequest(gw(), user.token);
    const sse = await SseSubscription.open(url, FOLLOW, { u: cr.uuid }, user.token);
    await sse.ready();
    await sse.next();
    // graphql-sse's single connection mode (the workbench's): its stream outlives its operations.
    const client = createClient({
      url: `${url}/graphql/stream`,
      singleConnection: true,
      retryAttempts: 0,
      headers: { authorization: `Bearer ${user.token}` },
    });
    let first: () => void = () => {};
    const firstEvent = new Promise<void>((r) => (first = r));
    const completed = new Promise<string>((resolve) =>
      client.subscribe(
        { query: FOLLOW, variables: { u: cr.uuid } },
        {
          next: () => first(),
          error: (e) => resolve(`error ${JSON.stringify(e)}`),
          complete: () => resolve('complete'),
        },
      ),
    );
    await firstEvent;

    const stopping = gw().gateway.shutdown(10_000);
    const ready = await get('/readyz');
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'draining' }]);
    expect((await get('/healthz')).status).toBe(200); // still alive: finishing its work
    await sse.completes();
    expect(await completed).toBe('complete');
    await stopping;
    client.dispose();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(gw().logs.some((l) => l.includes('"msg":"shut down"'))).toBe(true);
  });
});

describe('graceful shutdown of a real process', () => {
  let dir: string;
  const started: ServerProcess[] = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-drain-'));
  });
  afterAll(async () => {
    for (const s of started) await s.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test(
    '`npm start` under load: SIGTERM to npm drains the one server process; every request sent is answered, the subscription completes, exit 0',
    async () => {
      const server = ServerProcess.startWithNpm({
        DATA_DIR: path.join(dir, 'data'),
        SYSTEM_ROOT_TOKEN: ROOT_SECRET,
        HOST: '127.0.0.1',
      });
      started.push(server);
      const url = await server.ready(PROCESS_MS);
      const pid = server.serverPid()!;
      // npm's process runs the server itself (exec), not a shell or a loader around it.
      expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(
        new RegExp(`^PPid:\\s+${server.child.pid}$`, 'm'),
      );

      const sub = await SseSubscription.open(
        url.replace(/\/graphql$/, ''),
        FOLLOW,
        { u: await newRequest(url) },
        ROOT_SECRET,
      );
      await sub.ready();
      await sub.next();
      const client = new SteadyClient([url], ROOT_SECRET).start(3);
      await client.answeredAtLeast(30);

      server.child.kill('SIGTERM'); // to npm, as an orchestrator or Ctrl-C would
      await sub.completes();
      const tally = await client.ended(); // each loop ends at its first refused connection
      expect(tally.lost).toEqual([]);
      expect(tally.answered).toBeGreaterThanOrEqual(30);
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(() => process.kill(pid, 0)).toThrow(); // the server is gone, not orphaned
      expect(server.text()).toContain('SIGTERM: draining');
      expect(server.text()).toContain('"msg":"shut down"');
    },
    PROCESS_MS,
  );

  (process.env.TEST_DATABASE_URL ? test : test.skip)(
    'two gateways on one PostgreSQL: one stopped with SIGTERM under load loses no request; its subscriber completes and goes on with the other',
    async () => {
      const db = await freshPostgresDatabase();
      try {
        const env = {
          DATABASE_URL: db.url,
          SECRETS_KEY: TEST_SECRETS_KEY,
          SYSTEM_ROOT_TOKEN: ROOT_SECRET,
          HOST: '127.0.0.1',
        };
        const [a, b] = [ServerProcess.start(env), ServerProcess.start(env)];
        started.push(a, b);
        const [urlA, urlB] = await Promise.all([a.ready(PROCESS_MS), b.ready(PROCESS_MS)]);
        const uuid = await newRequest(urlA);
        const base = (u: string) => u.replace(/\/graphql$/, '');
        const subA = await SseSubscription.open(base(urlA), FOLLOW, { u: uuid }, ROOT_SECRET);
        await subA.ready();
        await subA.next();
        const client = new SteadyClient([urlA, urlB], ROOT_SECRET).start(3);
        await client.answeredAtLeast(30);

        a.child.kill('SIGTERM');
        await subA.completes();
        expect(await a.exited).toEqual({ code: 0, signal: null });
        const sent = client.tally.answered;
        await client.answeredAtLeast(sent + 30); // on B now
        const tally = await client.stop();
        expect(tally.lost).toEqual([]);
        expect(tally.byUrl[urlB]).toBeGreaterThanOrEqual(30);

        // The subscriber follows the object again, at B.
        const subB = await SseSubscription.open(base(urlB), FOLLOW, { u: uuid }, ROOT_SECRET);
        await subB.ready();
        await subB.next();
        await post(
          urlB,
          'mutation($u: ID!) { updateContainerRequest(uuid: $u, input: {name: "renamed"}) { uuid } }',
          {
            u: uuid,
          },
        );
        expect((await subB.next()).data.containerRequestUpdated.name).toBe('renamed');
        subB.close();
      } finally {
        for (const s of started.splice(0)) await s.kill();
        await db.drop();
      }
    },
    PROCESS_MS,
  );
});

// findReusableContainer (design.md §8) as the database sees it: one query ranks every preference
// tier, sorts and takes one row, on the (reuse_hash, state) index, however many identical
// containers share a hash; and "without runtimeStatus.error" means what JavaScript's
// `!objectOrEmpty(status).error` means.
import crypto from 'node:crypto';
import type { PrismaClient } from '../../src/db/client.js';
import { objectOrEmpty } from '../../src/domain/canonical.js';
import { findReusableContainer } from '../../src/domain/reuse.js';
import { createRequest } from '../helpers/api.js';
import { eachBackend, filledGateway, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';

type State = 'QUEUED' | 'LOCKED' | 'RUNNING' | 'COMPLETE' | 'CANCELLED';

/** A container row with only what the lookup reads set; returns its uuid. */
async function insertContainer(
  prisma: PrismaClient,
  hash: string,
  c: {
    state: State;
    priority?: number;
    runtimeStatus?: unknown;
    progress?: number | null;
    startedAt?: Date | null;
    createdAt?: Date;
  },
): Promise<string> {
  const uuid = `zzzzz-dz642-${crypto.randomBytes(8).toString('hex').slice(0, 15)}`;
  await prisma.$executeRaw`
    INSERT INTO containers (uuid, state, priority, command, container_image, cwd, output_path, runtime_user_uuid,
      runtime_auth_scopes, secret_mounts_md5, reuse_hash, runtime_status, progress, started_at, created_at)
    VALUES (${uuid}, ${c.state}::"ContainerState", ${c.priority ?? 1}, ARRAY['x'], 'img', '.', '/out', 'zzzzz-tpzed-000000000000000',
      ARRAY['all'], md5('{}'), ${hash}, ${JSON.stringify(c.runtimeStatus ?? {})}::jsonb, ${c.progress ?? null}::float8,
      ${c.startedAt ?? null}::timestamptz, ${c.createdAt ?? new Date()}::timestamptz)`;
  return uuid;
}

const newHash = () => crypto.randomBytes(32).toString('hex');

/** The statements that look for a reusable container (the only ones that filter on reuse_hash). */
const reuseLookups = (log: { query: string; params: string }[]) =>
  log.filter((e) => /reuse_hash = /.test(e.query));

eachBackend('reuse lookup in the database', (backend) => {
  let gw: TestGateway;
  const log: { query: string; params: string }[] = [];
  let user: { uuid: string; token: string };
  const prisma = () => gw.gateway.services.db.prisma;
  beforeAll(async () => {
    gw = await startTestGateway(backend, {}, { log: (e) => log.push(e) });
    user = await gw.newUser();
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('the ContainerState enum sorts QUEUED < LOCKED (the LOCKED-first ordering relies on it)', async () => {
    const [row] = await prisma().$queryRawUnsafe<{ r: string }[]>(
      `SELECT enum_range(NULL::"ContainerState")::text AS r`,
    );
    expect(row!.r).toBe('{QUEUED,LOCKED,RUNNING,COMPLETE,CANCELLED}');
  });

  // Every JSON shape a runtimeStatus may take, judged by the database and by the JS rule.
  const statuses: unknown[] = [
    {},
    { error: null },
    { error: false },
    { error: '' },
    { error: 0 },
    { other: 'x' },
    null,
    [],
    ['error'],
    'error',
    7,
    true,
    { error: 'disk failure' },
    { error: true },
    { error: 1 },
    { error: -1 },
    { error: 0.5 },
    { error: '0' },
    { error: ' ' },
    { error: 'false' },
    { error: {} },
    { error: [] },
    { error: { code: 1 } },
    { Error: 'x', error: null },
  ];
  test.each(statuses.map((s) => [JSON.stringify(s), s]))(
    'RUNNING with runtimeStatus %s: reused exactly when JS sees no error',
    async (_name, status) => {
      const hash = newHash();
      const queued = await insertContainer(prisma(), hash, { state: 'QUEUED', priority: 9 });
      const running = await insertContainer(prisma(), hash, {
        state: 'RUNNING',
        runtimeStatus: status,
        progress: 0.5,
        startedAt: new Date(),
      });
      const hasError = !!objectOrEmpty(status).error;
      expect(await findReusableContainer(prisma(), hash)).toBe(hasError ? queued : running);
    },
  );

  test('RUNNING: a null progress ranks as 0 (then earliest startedAt), below any positive progress', async () => {
    const hash = newHash();
    const t0 = Date.now() - 60_000;
    const nullEarly = await insertContainer(prisma(), hash, {
      state: 'RUNNING',
      progress: null,
      startedAt: new Date(t0),
    });
    await insertContainer(prisma(), hash, {
      state: 'RUNNING',
      progress: 0,
      startedAt: new Date(t0 + 1000),
    });
    expect(await findReusableContainer(prisma(), hash)).toBe(nullEarly);
    const ahead = await insertContainer(prisma(), hash, {
      state: 'RUNNING',
      progress: 0.1,
      startedAt: new Date(t0 + 2000),
    });
    expect(await findReusableContainer(prisma(), hash)).toBe(ahead);
    const errored = await insertContainer(prisma(), hash, {
      state: 'RUNNING',
      progress: 0.9,
      startedAt: new Date(t0),
      runtimeStatus: { error: 'x' },
    });
    expect(await findReusableContainer(prisma(), hash)).not.toBe(errored);
  });

  test('many identical QUEUED containers (useExisting false): a reusing commit takes the right one, in one ranked query', async () => {
    const t = tag();
    // Real ones through the API, then a few thousand more with the same hash straight into the table.
    const made: string[] = [];
    for (let i = 0; i < 12; i++) {
      made.push(
        (
          await createRequest(gw, user.token, {
            command: ['echo', t],
            useExisting: false,
            priority: 1 + (i % 4),
          })
        ).containerUuid,
      );
    }
    expect(new Set(made).size).toBe(made.length);
    const { reuseHash } = await prisma().container.findUniqueOrThrow({
      where: { uuid: made[0]! },
      select: { reuseHash: true },
    });
    await prisma().$executeRaw`
        INSERT INTO containers (uuid, state, priority, command, container_image, cwd, output_path, runtime_user_uuid,
          runtime_auth_scopes, secret_mounts_md5, reuse_hash, created_at)
        SELECT 'zzzzz-dz642-' || lpad(to_hex(g), 15, 'q'), 'QUEUED', CASE WHEN g % 7 = 0 THEN top.p ELSE g % 5 END,
          ARRAY['echo', ${t}], 'img', '.', '/out', ${user.uuid}, ARRAY['all'], md5('{}'), ${reuseHash}, now() - make_interval(secs => g)
        FROM generate_series(1, 3000) AS g, (SELECT max(priority) AS p FROM containers WHERE reuse_hash = ${reuseHash}) AS top`;

    // The oracle: every candidate, sorted by design.md §8 rule 3 in JavaScript.
    const all = await prisma().container.findMany({
      where: { reuseHash },
      select: { uuid: true, state: true, priority: true, createdAt: true },
    });
    expect(all.length).toBe(3012);
    expect(all.every((c) => c.state === 'QUEUED')).toBe(true);
    all.sort((a, b) =>
      a.priority === b.priority
        ? a.createdAt.getTime() - b.createdAt.getTime() || a.uuid.localeCompare(b.uuid)
        : a.priority > b.priority
          ? -1
          : 1,
    );
    // Some fillers tie the highest priority and are older than every API-made one: the
    // oldest of them must win, on createdAt.
    expect(all[0]!.uuid).toBe(`zzzzz-dz642-qqqqqqqqqqqq${(2996).toString(16)}`);

    log.length = 0;
    const reused = await createRequest(gw, user.token, { command: ['echo', t] });
    expect(reused.containerUuid).toBe(all[0]!.uuid);
    const lookups = reuseLookups(log);
    expect(lookups).toHaveLength(1); // COMPLETE, RUNNING, LOCKED/QUEUED ranked in one
    expect(lookups[0]!.query).toMatch(/\bLIMIT\b/);
  });
});

eachBackend('reuse lookup plans on a filled table', (backend) => {
  const log: { query: string; params: string }[] = [];
  let gw: TestGateway;
  const filled = filledGateway(backend, log);
  beforeAll(() => {
    gw = filled.gw;
  });

  test('the commit statement finds its reusable container on the (reuse_hash, state) index', async () => {
    const user = await gw.newUser();
    const t = tag();
    await createRequest(gw, user.token, { command: ['echo', t] });
    log.length = 0;
    await createRequest(gw, user.token, { command: ['echo', t] });
    const lookups = reuseLookups(log);
    expect(lookups).toHaveLength(1);
    const q = lookups[0]!;
    const plan = await gw.gateway.services.db.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN ${q.query}`,
      ...JSON.parse(q.params),
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('containers_reuse_hash_state_idx');
    expect(text).not.toMatch(/Seq Scan on containers/);
  });
});

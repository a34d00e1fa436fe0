// The container counts (src/domain/container-counts.ts, migration container_counts): the
// counters the trigger keeps must equal count(*) after every kind of change, rolled-back ones
// and concurrent ones included; totalCount over GraphQL must equal the exact count for an admin
// and for anyone else; and an admin's queue count must not read the containers table.

import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../../src/db/migrations.js';
import { containerBucketCounts } from '../../src/domain/container-counts.js';
import { createRequest, lock, unlock, updateContainer, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends, type TestGateway } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { sql } from '../helpers/sql.js';

/** The buckets as count(*) over the containers table sees them. */
async function exactCounts(gw: TestGateway) {
  const [r] = await sql<Record<string, bigint>>(
    gw,
    `SELECT count(*) FILTER (WHERE state = 'QUEUED') AS queued,
            count(*) FILTER (WHERE state = 'QUEUED' AND priority > 0) AS "queuedWithPriority",
            count(*) FILTER (WHERE state = 'LOCKED') AS locked,
            count(*) FILTER (WHERE state = 'RUNNING') AS running,
            count(*) FILTER (WHERE state = 'COMPLETE') AS complete,
            count(*) FILTER (WHERE state = 'CANCELLED') AS cancelled,
            count(*) AS "all"
       FROM containers`,
  );
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
}

async function expectExact(gw: TestGateway, step: string): Promise<void> {
  const counters = await containerBucketCounts(gw.gateway.services.db.prisma);
  expect({ step, ...counters }).toEqual({ step, ...(await exactCounts(gw)) });
}

const COUNT = `query($f: ContainerFilter) { containers(filter: $f, first: 1) { totalCount } }`;
const QUEUE_PAGE =
  'query { containers(filter: {state: QUEUED, minPriority: 1}, orderBy: {field: PRIORITY, direction: DESC}, first: 100) { totalCount nodes { uuid } } }';

const log: { query: string; params: string }[] = [];

describeBackends(
  'container counts',
  (gw) => {
    let user: { uuid: string; token: string };
    beforeAll(async () => {
      user = await gw().newUser();
    });

    test('the counters stay exact through every move, priority changes, deletes and rolled-back transactions', async () => {
      const t = tag();
      await expectExact(gw(), 'start');
      const a = await createRequest(gw(), user.token, { command: ['echo', t, 'a'], priority: 1 });
      const b = await createRequest(gw(), user.token, { command: ['echo', t, 'b'], priority: 0 });
      const c = await createRequest(gw(), user.token, { command: ['echo', t, 'c'], priority: 3 });
      await expectExact(gw(), 'created (one of priority 0)');
      ok(await lock(gw(), gw().rootToken, a.containerUuid));
      await expectExact(gw(), 'locked');
      ok(await unlock(gw(), gw().rootToken, a.containerUuid));
      await expectExact(gw(), 'unlocked');
      ok(await lock(gw(), gw().rootToken, a.containerUuid));
      ok(await updateContainer(gw(), gw().rootToken, a.containerUuid, { state: 'RUNNING' }));
      await expectExact(gw(), 'running');
      ok(await updateContainer(gw(), gw().rootToken, a.containerUuid, { progress: 0.5 }));
      await expectExact(gw(), 'an update that keeps the bucket');
      ok(
        await updateContainer(gw(), gw().rootToken, a.containerUuid, {
          state: 'COMPLETE',
          exitCode: 0,
        }),
      );
      await expectExact(gw(), 'complete');
      // Priority to and from 0 while QUEUED: the request's and an admin's own.
      ok(await updateRequest(gw(), user.token, b.uuid, { priority: 2 }));
      await expectExact(gw(), 'priority 0 → >0');
      ok(await updateRequest(gw(), user.token, b.uuid, { priority: 0 }));
      await expectExact(gw(), 'priority >0 → 0');
      ok(await updateContainer(gw(), gw().rootToken, c.containerUuid, { priority: 0 }));
      await expectExact(gw(), 'admin priority → 0');
      ok(await updateContainer(gw(), gw().rootToken, c.containerUuid, { priority: 7 }));
      await expectExact(gw(), 'admin priority → 7');
      ok(await updateContainer(gw(), gw().rootToken, c.containerUuid, { state: 'CANCELLED' }));
      await expectExact(gw(), 'cancelled');

      const { prisma } = gw().gateway.services.db;
      // Rolled back: nothing counted.
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(
            `UPDATE containers SET state = 'CANCELLED' WHERE uuid = $1`,
            b.containerUuid,
          );
          await tx.$executeRawUnsafe(`DELETE FROM containers WHERE uuid = $1`, a.containerUuid);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await expectExact(gw(), 'rolled back');
      // A savepoint rolled back takes its rows' part of the tally with it.
      await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`UPDATE containers SET state = 'LOCKED' WHERE uuid = $1`, b.containerUuid);
        await tx.$executeRawUnsafe('SAVEPOINT s');
        await tx.$executeRawUnsafe(
          `UPDATE containers SET state = 'CANCELLED' WHERE uuid = $1`,
          a.containerUuid,
        );
        await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT s');
        await tx.$executeRawUnsafe(`UPDATE containers SET state = 'QUEUED' WHERE uuid = $1`, b.containerUuid);
      });
      await expectExact(gw(), 'savepoint rolled back');
      // Several changes of one row in one transaction, and a row inserted and deleted in it.
      await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`UPDATE containers SET state = 'LOCKED' WHERE uuid = $1`, b.containerUuid);
        await tx.$executeRawUnsafe(`UPDATE containers SET priority = 5 WHERE uuid = $1`, b.containerUuid);
        await tx.$executeRawUnsafe(`UPDATE containers SET state = 'QUEUED' WHERE uuid = $1`, b.containerUuid);
        await tx.$executeRawUnsafe(
          `INSERT INTO containers (uuid, state, priority, command, container_image, cwd, output_path,
             runtime_user_uuid, runtime_auth_scopes, secret_mounts_md5, reuse_hash)
           SELECT uuid || 'x', 'QUEUED', 9, command, container_image, cwd, output_path,
             runtime_user_uuid, runtime_auth_scopes, secret_mounts_md5, reuse_hash || 'x'
             FROM containers WHERE uuid = $1`,
          b.containerUuid,
        );
        await tx.$executeRawUnsafe(`DELETE FROM containers WHERE uuid = $1`, `${b.containerUuid}x`);
      });
      await expectExact(gw(), 'one transaction, many changes');
      // Deletes, one and many.
      await prisma.$executeRawUnsafe(`DELETE FROM containers WHERE uuid = $1`, a.containerUuid);
      await expectExact(gw(), 'deleted one');
      await prisma.$executeRawUnsafe(
        `DELETE FROM containers WHERE uuid IN ($1, $2)`,
        b.containerUuid,
        c.containerUuid,
      );
      await expectExact(gw(), 'deleted two');
    });

    test("the migration's backfill counts the containers already there", async () => {
      const t = tag();
      for (const priority of [0, 1, 2])
        await createRequest(gw(), user.token, { command: ['echo', t, `${priority}`], priority });
      const file = fs.readFileSync(
        path.join(MIGRATIONS_DIR, '20261130103225_container_counts', 'migration.sql'),
        'utf8',
      );
      const backfill = file.slice(file.indexOf('INSERT INTO "container_counts"'));
      const { prisma } = gw().gateway.services.db;
      await prisma.$transaction([
        prisma.$executeRawUnsafe('DELETE FROM container_counts'),
        prisma.$executeRawUnsafe(backfill),
      ]);
      expect((await exactCounts(gw())).all).toBeGreaterThan(0);
      await expectExact(gw(), 'backfilled');
    });

    test('totalCount over GraphQL equals the exact count, for an admin and for a user', async () => {
      const t = tag();
      const stranger = await gw().newUser();
      for (const [i, priority] of [0, 1, 2, 3].entries()) {
        const who = i % 2 ? user : stranger;
        const r = await createRequest(gw(), who.token, { command: ['echo', t, `${i}`], priority });
        if (i === 3) ok(await lock(gw(), gw().rootToken, r.containerUuid));
      }
      const dispatcher = ok(await gw().gql('{ currentApiClientAuthorization { uuid } }', {}, gw().rootToken))
        .currentApiClientAuthorization.uuid;
      type Filter = { state?: string; minPriority?: string; lockedByUuid?: string } | null;
      const filters: Filter[] = [
        null,
        { state: 'QUEUED' },
        { state: 'QUEUED', minPriority: '1' },
        { state: 'QUEUED', minPriority: '2' },
        { state: 'QUEUED', minPriority: '0' },
        { state: 'LOCKED' },
        { state: 'LOCKED', lockedByUuid: dispatcher },
        { state: 'RUNNING' },
        { state: 'COMPLETE' },
        { state: 'CANCELLED' },
        { minPriority: '1' },
      ];
      const exact = async (f: Filter, ownerUuid: string | null) => {
        const where = [
          ...(f?.state ? [`c.state = '${f.state}'`] : []),
          ...(f?.minPriority ? [`c.priority >= ${f.minPriority}`] : []),
          ...(f?.lockedByUuid ? [`c.locked_by_uuid = '${f.lockedByUuid}'`] : []),
          ...(ownerUuid
            ? [
                `EXISTS (SELECT 1 FROM container_requests r WHERE r.container_uuid = c.uuid AND r.owner_uuid = '${ownerUuid}')`,
              ]
            : []),
        ];
        const [r] = await sql<{ n: bigint }>(
          gw(),
          `SELECT count(*) AS n FROM containers c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
        );
        return Number(r!.n);
      };
      for (const f of filters) {
        const admin = ok(await gw().gql(COUNT, { f }, gw().rootToken)).containers.totalCount;
        expect({ f, admin }).toEqual({ f, admin: await exact(f, null) });
        const mine = ok(await gw().gql(COUNT, { f }, user.token)).containers.totalCount;
        expect({ f, mine }).toEqual({ f, mine: await exact(f, user.uuid) });
      }
      expect(await exact({ state: 'QUEUED', minPriority: '1' }, null)).toBeGreaterThan(0);
    });

    test("an admin's queue page reads its totalCount from the counters, not the containers; a user's counts them", async () => {
      log.length = 0;
      ok(await gw().gql(QUEUE_PAGE, {}, gw().rootToken));
      const counted = (l: typeof log) => l.map((e) => e.query).filter((q) => /count\(/i.test(q));
      expect(counted(log)).toEqual([]);
      expect(log.some((e) => /FROM container_counts/.test(e.query))).toBe(true);
      // The test can fail: the fallback's count is a statement of the log.
      log.length = 0;
      ok(await gw().gql(QUEUE_PAGE, {}, user.token));
      expect(counted(log).some((q) => /"containers"/.test(q))).toBe(true);
      // And what it runs touches no table but the counters.
      const plan = await sql<{ 'QUERY PLAN': string }>(
        gw(),
        `EXPLAIN SELECT COALESCE(sum(queued_with_priority), 0)::bigint FROM container_counts`,
      );
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/container_counts/);
      expect(text).not.toMatch(/\bcontainers\b/);
    });

    test('concurrent transactions on PostgreSQL, more connections than shards: no deadlock, exact counts', async () => {
      const target = gw().gateway.services.db.adapter.target;
      if (target.kind !== 'postgres') return; // PGlite has one connection: nothing runs concurrently
      const t = tag();
      const shared = (await createRequest(gw(), user.token, { command: ['echo', t, 'shared'], priority: 1 }))
        .containerUuid;
      const own: string[] = [];
      const WORKERS = 20; // > 16 shards: some share one
      for (let i = 0; i < WORKERS; i++)
        own.push(
          (await createRequest(gw(), user.token, { command: ['echo', t, `${i}`], priority: 1 }))
            .containerUuid,
        );
      const flip = `UPDATE containers SET state = CASE WHEN state = 'QUEUED' THEN 'LOCKED' ELSE 'QUEUED' END::"ContainerState" WHERE uuid = $1`;
      const clients = await Promise.all(
        own.map(async () => {
          const c = new pg.Client({ connectionString: target.url });
          await c.connect();
          return c;
        }),
      );
      const errors: string[] = [];
      try {
        // Every transaction takes its rows in one order (its own container, then the shared
        // one), so the rows alone cannot deadlock; counters locked at each change, in shards
        // that two connections share, could (one waits for the counter the other holds while
        // holding the shared row the other wants).
        await Promise.all(
          clients.map(async (c, i) => {
            for (let n = 0; n < 25; n++) {
              try {
                await c.query('BEGIN');
                if ((i + n) % 2 === 0) await c.query(flip, [own[i]]);
                await c.query(flip, [shared]);
                await c.query('COMMIT');
              } catch (err) {
                errors.push((err as Error).message);
                await c.query('ROLLBACK');
              }
            }
          }),
        );
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
      expect(errors).toEqual([]);
      await expectExact(gw(), 'after concurrent flips');
      // Many shards were written, and their sum is what counts.
      const [{ shards }] = (await sql<{ shards: bigint }>(
        gw(),
        'SELECT count(*) AS shards FROM container_counts',
      )) as [{ shards: bigint }];
      expect(Number(shards)).toBeGreaterThan(1);
    }, 60_000);
  },
  {},
  { log: (e) => log.push(e) },
);

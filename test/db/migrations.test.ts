import crypto from 'node:crypto';
import pg from 'pg';
import { type OpenedAdapter, openAdapter } from '../../src/db/adapter.js';
import { applyMigrations, migrationsUpToDate } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/db/migrations.js';
import { schemaEngineStarts } from '../../src/db/schema-engine.js';
import type { BackendName } from '../helpers/backends.js';
import { eachBackend } from '../helpers/gateway.js';
import { DB_PREFIX, withDatabase } from '../helpers/templates.js';

const ALL = readMigrations().migrationDirectories.map((m) => m.path);
const TEST_URL = process.env.TEST_DATABASE_URL;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** An empty database of this test's own (no template): migrations start from nothing. */
async function emptyDatabase(
  backend: BackendName,
): Promise<{ open(): Promise<OpenedAdapter>; drop(): Promise<void> }> {
  if (backend === 'pglite') {
    let shared: OpenedAdapter | undefined;
    return {
      // One in-memory instance: "opening" it again hands out the same one.
      open: async () => (shared ??= await openAdapter({ kind: 'pglite', dataDir: 'memory://' })),
      drop: async () => shared?.close(),
    };
  }
  const name = `${DB_PREFIX}mig_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const opened: OpenedAdapter[] = [];
  return {
    open: async () => {
      const a = await openAdapter({ kind: 'postgres', url: withDatabase(TEST_URL!, name) });
      opened.push(a);
      return a;
    },
    drop: async () => {
      await Promise.all(opened.map((a) => a.close()));
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function appliedRows(a: OpenedAdapter): Promise<{ migration_name: string; finished_at: unknown }[]> {
  const conn = await a.factory.connect();
  try {
    const r = await conn.queryRaw({
      sql: 'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
      args: [],
      argTypes: [],
    });
    return r.rows.map((row) => ({ migration_name: row[0] as string, finished_at: row[1] }));
  } finally {
    await conn.dispose();
  }
}

async function execute(a: OpenedAdapter, sql: string): Promise<void> {
  const conn = await a.factory.connect();
  try {
    await conn.executeRaw({ sql, args: [], argTypes: [] });
  } finally {
    await conn.dispose();
  }
}

eachBackend('migrations', (backend) => {
  test('there is at least one migration', () => {
    expect(ALL.length).toBeGreaterThan(0);
  });

  // From an empty database, the schema engine's first start (WebAssembly) takes a minute on a busy machine.
  test('applying twice: the first run applies all, the second nothing, without starting the schema engine', async () => {
    const db = await emptyDatabase(backend);
    try {
      const a = await db.open();
      const list = readMigrations();
      expect(await migrationsUpToDate(a, list)).toBe(false); // no _prisma_migrations yet
      const first = schemaEngineStarts();
      expect(await applyMigrations(a)).toEqual(ALL);
      expect(schemaEngineStarts()).toBe(first + 1);
      const rows = await appliedRows(a);
      expect(rows.map((r) => r.migration_name)).toEqual(ALL);
      expect(rows.every((r) => r.finished_at !== null)).toBe(true);
      // Every migration recorded, unchanged: nothing to do, and the engine is not started.
      expect(await migrationsUpToDate(a, list)).toBe(true);
      expect(await applyMigrations(a)).toEqual([]);
      expect(schemaEngineStarts()).toBe(first + 1);
      // An applied migration whose file was edited since: the engine's to report, not skipped.
      const last = ALL[ALL.length - 1]!;
      await execute(a, `UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = '${last}'`);
      expect(await migrationsUpToDate(a, list)).toBe(false);
      // A migration of the directory not recorded (pending): not skipped either.
      await execute(a, `DELETE FROM _prisma_migrations WHERE migration_name = '${last}'`);
      expect(await migrationsUpToDate(a, list)).toBe(false);
    } finally {
      await db.drop();
    }
  }, 180_000);
});

(TEST_URL ? describe : describe.skip)('migrations on PostgreSQL, concurrently', () => {
  test('two servers starting at once both succeed, and each migration is applied once', async () => {
    const db = await emptyDatabase('postgres');
    try {
      const [a, b] = await Promise.all([db.open(), db.open()]);
      const [ra, rb] = await Promise.all([applyMigrations(a!), applyMigrations(b!)]);
      // One of them did the work; the other found nothing left.
      expect([...ra, ...rb].sort()).toEqual(ALL);
      expect([ra.length, rb.length].sort()).toEqual([0, ALL.length]);
      const rows = await appliedRows(a!);
      expect(rows.map((r) => r.migration_name)).toEqual(ALL);
    } finally {
      await db.drop();
    }
  });
});

import crypto from 'node:crypto';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';
import type { OpenedAdapter } from './adapter.js';
import { readMigrations } from './migrations.js';

// Arbitrary constant: the advisory lock that serialises migrations of servers starting at once.
const MIGRATION_LOCK_KEY = 7_270_736_914;

/**
 * Applies prisma/migrations that are not yet applied, recording them in _prisma_migrations
 * exactly like `prisma migrate deploy`. Idempotent; with PostgreSQL, two servers starting at
 * once take turns on an advisory lock, and the second one finds nothing left to apply. When
 * the database already records every migration of the directory, unchanged, the schema engine
 * is not loaded at all (it is most of a start's time and memory).
 */
export async function applyMigrations(db: OpenedAdapter): Promise<string[]> {
  const migrationsList = readMigrations();
  if (await migrationsUpToDate(db, migrationsList)) return [];
  // Imported only now: a start with nothing to migrate does not load the engine's code.
  const { withSchemaEngine } = await import('./schema-engine.js');
  // The migration factory: no statement timeout (a backfill or an index on a big table takes
  // its time), and on PostgreSQL each script sent whole (adapter.ts).
  const run = () =>
    withSchemaEngine(db.migrationFactory, async (engine) => {
      const out = await engine.applyMigrations({
        migrationsList,
        filters: { externalTables: [], externalEnums: [] },
      });
      return out.appliedMigrationNames;
    });
  if (db.target.kind !== 'postgres') return run(); // PGlite: one process owns the directory
  const lock = new pg.Client({ connectionString: db.target.url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await run();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await lock.end();
  }
}

/**
 * True when _prisma_migrations records exactly the directory's migrations, each finished and
 * with the checksum of its file (SHA-256 of migration.sql, as the schema engine writes it).
 * Anything else — no table, a pending, failed, unknown or edited migration — is the schema
 * engine's to apply or to report.
 */
export async function migrationsUpToDate(db: OpenedAdapter, list: MigrationList): Promise<boolean> {
  const expected = new Map<string, string>();
  for (const m of list.migrationDirectories) {
    if (m.migrationFile.content.tag !== 'ok') return false;
    expected.set(m.path, crypto.createHash('sha256').update(m.migrationFile.content.value).digest('hex'));
  }
  const conn = await db.factory.connect();
  try {
    const table = await conn.queryRaw({
      sql: "SELECT to_regclass('_prisma_migrations') IS NOT NULL",
      args: [],
      argTypes: [],
    });
    if (table.rows[0]?.[0] !== true) return false;
    const { rows } = await conn.queryRaw({
      sql: `SELECT migration_name, checksum, finished_at IS NOT NULL FROM _prisma_migrations
            WHERE rolled_back_at IS NULL`,
      args: [],
      argTypes: [],
    });
    const recorded = new Map<string, string>();
    for (const [name, checksum, finished] of rows) {
      if (finished !== true || recorded.has(name as string)) return false;
      recorded.set(name as string, checksum as string);
    }
    return (
      recorded.size === expected.size && [...expected].every(([name, sum]) => recorded.get(name) === sum)
    );
  } finally {
    await conn.dispose();
  }
}

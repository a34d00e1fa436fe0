import pg from 'pg';
import type { OpenedAdapter } from './adapter.js';
import { readMigrations } from './migrations.js';
import { withSchemaEngine } from './schema-engine.js';

// Arbitrary constant: the advisory lock that serialises migrations of servers starting at once.
const MIGRATION_LOCK_KEY = 7_270_736_914;

/**
 * Applies prisma/migrations that are not yet applied, recording them in _prisma_migrations
 * exactly like `prisma migrate deploy`. Idempotent; with PostgreSQL, two servers starting at
 * once take turns on an advisory lock, and the second one finds nothing left to apply.
 */
export async function applyMigrations(db: OpenedAdapter): Promise<string[]> {
  const migrationsList = readMigrations();
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

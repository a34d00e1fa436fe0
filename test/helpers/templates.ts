// A migrated database is built once per test run and copied for each test file: a PGlite data
// directory dump (initdb costs ~2 s and ~0.5 GiB; loading a dump ~0.3 s) and, when
// TEST_DATABASE_URL is set, a PostgreSQL template database.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openAdapter } from '../../src/db/adapter.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR, readMigrations } from '../../src/db/migrations.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/cr-gateway-test');
export const DB_PREFIX = 'crgw_test_';

/**
 * Per-file databases carry the id of their test run (set once by globalSetup and inherited by
 * the workers), so a run's teardown drops its own databases and not those of a run beside it.
 */
export function runDatabasePrefix(): string {
  const run = process.env.CRGW_TEST_RUN;
  if (!run)
    throw new Error(
      'CRGW_TEST_RUN is unset: run the tests through jest (npm test), whose globalSetup sets it',
    );
  return `${DB_PREFIX}r${run}_`;
}

export function migrationsHash(): string {
  const h = crypto.createHash('sha256');
  for (const m of readMigrations(MIGRATIONS_DIR).migrationDirectories) {
    h.update(m.path);
    h.update(m.migrationFile.content.tag === 'ok' ? m.migrationFile.content.value : '');
  }
  return h.digest('hex').slice(0, 12);
}

export function pgliteTemplatePath(): string {
  return path.join(CACHE_DIR, `pglite-${migrationsHash()}.tar.gz`);
}

export function postgresTemplateName(): string {
  return `${DB_PREFIX}template_${migrationsHash()}`;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function prepareTemplates(): Promise<void> {
  process.env.CRGW_TEST_RUN ??= crypto.randomBytes(4).toString('hex');
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const file = pgliteTemplatePath();
  if (!fs.existsSync(file)) {
    const db = await openAdapter({ kind: 'pglite', dataDir: 'memory://' });
    await applyMigrations(db);
    const dump = await db.pglite!.dumpDataDir('gzip');
    fs.writeFileSync(`${file}.tmp`, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(`${file}.tmp`, file);
    await db.close();
  }
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const name = postgresTemplateName();
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        // Built under a name of its own and renamed once migrated: a migration that fails leaves
        // no half-migrated template for the next run to take as done, and a run beside this
        // one that finished first keeps its template (the rename fails: this one is dropped).
        const building = `${DB_PREFIX}building_${crypto.randomBytes(4).toString('hex')}`;
        await admin.query(`CREATE DATABASE "${building}"`);
        try {
          const db = await openAdapter({ kind: 'postgres', url: withDatabase(url, building) });
          try {
            await applyMigrations(db);
          } finally {
            await db.close();
          }
          await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
        } catch (err) {
          await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
          if ((err as { code?: string }).code !== '42P04') throw err; // 42P04: built beside us
        }
      }
    } finally {
      await admin.end();
    }
  }
}

/** Drops this run's per-file databases left by test files (the template stays for the next run). */
export async function dropTestDatabases(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${runDatabasePrefix()}%`],
    );
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import type { DatabaseTimeouts } from '../../src/db/adapter.js';
import { type Database, type OpenDatabaseOptions, openDatabase } from '../../src/db/client.js';
import { pgliteTemplatePath, postgresTemplateName, runDatabasePrefix, withDatabase } from './templates.js';

export type BackendName = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export const BACKENDS: BackendName[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/**
 * How a test opens its database: `log` receives every SQL statement; on PostgreSQL, `via`
 * rewrites the url the gateway connects to (a proxy in between) and `timeouts` replace the
 * defaults (DEFAULT_DB_TIMEOUTS).
 */
export interface TestDatabaseOptions extends Pick<OpenDatabaseOptions, 'log'> {
  via?: (url: string) => string;
  timeouts?: DatabaseTimeouts;
}

/** A fresh, migrated database of its own for the calling test file. */
export async function freshDatabase(backend: BackendName, opts: TestDatabaseOptions = {}): Promise<Database> {
  const { via, timeouts, ...open } = opts;
  if (backend === 'pglite') {
    const dump = new Blob([fs.readFileSync(pgliteTemplatePath())]);
    return openDatabase(
      { kind: 'pglite', dataDir: 'memory://' },
      { loadDataDir: dump, migrate: false, ...open },
    );
  }
  const fresh = await freshPostgresDatabase();
  const db = await openDatabase(
    { kind: 'postgres', url: via ? via(fresh.url) : fresh.url, ...(timeouts ? { timeouts } : {}) },
    { migrate: false, ...open },
  );
  return {
    ...db,
    close: async () => {
      await db.close();
      await fresh.drop();
    },
  };
}

/**
 * A fresh, migrated PostgreSQL database of the test run (TEST_DATABASE_URL's server), for
 * servers started as processes of their own: its URL, and how to drop it (with whatever is
 * still connected).
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL!;
  const name = `${runDatabasePrefix()}${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    // Two files copying the template at the same moment make PostgreSQL refuse one: retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${postgresTemplateName()}"`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(url, name),
    drop: async () => {
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => a.end());
    },
  };
}

import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { lockDataDir } from './data-dir-lock.js';
import { createPGlite } from './pglite-start.js';
import { preparedStatementName } from './prepared.js';

/**
 * How long PostgreSQL may take before the gateway gives up (README, Limits): a statement
 * (statement_timeout on the server, and the same plus READ_MARGIN_MS on the client, for a
 * server that stopped answering altogether), and getting a connection from the pool (waiting
 * for a free one, or opening one).
 */
export interface DatabaseTimeouts {
  statementMs: number;
  connectMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DatabaseTimeouts = { statementMs: 10_000, connectMs: 10_000 };

// The server cancels a statement at statement_timeout and says so; the client waits this much
// longer for that answer before it calls the server stalled.
const READ_MARGIN_MS = 2_000;

/** Where the data lives: a PostgreSQL server (url) or an embedded PGlite directory. */
export type DatabaseTarget =
  | { kind: 'postgres'; url: string; timeouts?: DatabaseTimeouts }
  | { kind: 'pglite'; dataDir: string };

export interface OpenedAdapter {
  target: DatabaseTarget;
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** For migrations: no statement timeout (building an index on a big table takes its time). */
  migrationFactory: SqlMigrationAwareDriverAdapterFactory;
  /** The PGlite instance in embedded mode (tests dump/load it). */
  pglite?: PGlite;
  close(): Promise<void>;
}

/**
 * PrismaPg runs a migration script one piece per ';', which breaks any statement holding one
 * (a PL/pgSQL function's body: the container counts' trigger). This one sends the script as it
 * is, in one simple query, as PGlite's exec does and as `prisma migrate deploy` does: PostgreSQL
 * runs its statements in one implicit transaction, so a failing migration leaves nothing behind.
 */
class WholeScriptPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const pool = adapter.underlyingDriver();
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (err) {
        // The adapter's own conversion: the schema engine reports it as it would PrismaPg's.
        (adapter as unknown as { onError(e: unknown): never }).onError(err);
      }
    };
    return adapter;
  }
}

export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite') return `embedded PGlite in ${target.dataDir}`;
  const u = new URL(target.url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`; // no credentials
}

/**
 * The one place that knows about the two backends; everything above works on the Prisma
 * driver adapter it returns.
 */
export async function openAdapter(
  target: DatabaseTarget,
  opts: { loadDataDir?: Blob } = {},
): Promise<OpenedAdapter> {
  if (target.kind === 'postgres') {
    const { statementMs, connectMs } = target.timeouts ?? DEFAULT_DB_TIMEOUTS;
    const pool = { connectionString: target.url, max: 10, connectionTimeoutMillis: connectMs };
    const factory = new PrismaPg(
      { ...pool, statement_timeout: statementMs, query_timeout: statementMs + READ_MARGIN_MS },
      { statementNameGenerator: preparedStatementName },
    );
    return { target, factory, migrationFactory: new WholeScriptPg(pool), close: async () => {} };
  }
  let release = () => {};
  if (!target.dataDir.startsWith('memory://')) {
    // PGlite does not create missing parent folders.
    fs.mkdirSync(path.resolve(target.dataDir), { recursive: true });
    release = await lockDataDir(target.dataDir);
  }
  let pglite: PGlite;
  let AwaitingPGliteAdapterFactory: typeof import('./pglite-adapter.js').AwaitingPGliteAdapterFactory;
  try {
    // Imported here, as PGlite itself (pglite-start.ts): a server on PostgreSQL loads neither.
    ({ AwaitingPGliteAdapterFactory } = await import('./pglite-adapter.js'));
    pglite = await createPGlite(target.dataDir, opts.loadDataDir);
  } catch (err) {
    release();
    throw err;
  }
  const factory = new AwaitingPGliteAdapterFactory(pglite);
  return {
    target,
    factory,
    migrationFactory: factory,
    pglite,
    close: async () => {
      try {
        await factory.closeShadows();
        if (!pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
}

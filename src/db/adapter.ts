import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { lockDataDir } from './data-dir-lock.js';
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

// PGlite's data directory asks for PostgreSQL's 128 MB of shared buffers, and PGlite touches
// all of it at start (resident before the first query). 32 MB holds this schema's hot pages;
// the rest is read through the OS page cache.
// Given at each start (a -c start parameter), not written into the directory's postgresql.conf.
export const PGLITE_SHARED_BUFFERS = '32MB';

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
    return { target, factory, migrationFactory: new PrismaPg(pool), close: async () => {} };
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
    // Imported here: a server on PostgreSQL never loads PGlite (~25 MB resident, 0.2 s).
    const { PGlite } = await import('@electric-sql/pglite');
    ({ AwaitingPGliteAdapterFactory } = await import('./pglite-adapter.js'));
    pglite = await PGlite.create({
      dataDir: target.dataDir,
      loadDataDir: opts.loadDataDir,
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    });
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

import type pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { type DatabaseTarget, type OpenedAdapter, openAdapter } from './adapter.js';
import { type QueryLog, readThroughPool } from './direct-read.js';
import { applyMigrations } from './migrate.js';

export { Prisma } from '../generated/prisma/client.js';
export { PrismaClient };

/** Prisma client or the client of an interactive transaction: domain functions take either. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface Database {
  prisma: PrismaClient;
  adapter: OpenedAdapter;
  /** The migrations this open applied (none when the database was up to date). */
  migrated: string[];
  /** PostgreSQL's connection pool as it is now; null on PGlite (one connection, no pool). */
  poolUse(): PoolUse | null;
  close(): Promise<void>;
}

/** Connections open, of which idle, and callers waiting for one. */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** PGlite only: start from this dumped data directory (tests). */
  loadDataDir?: Blob;
  log?: QueryLog;
}

/** Opens the backend, applies migrations and returns a Prisma client on it. */
export async function openDatabase(
  target: DatabaseTarget,
  opts: OpenDatabaseOptions = {},
): Promise<Database> {
  const adapter = await openAdapter(target, { loadDataDir: opts.loadDataDir });
  try {
    const migrated = opts.migrate === false ? [] : await applyMigrations(adapter);
    // The driver the client connects through: pg's Pool on PostgreSQL, read for poolUse().
    let driver: Partial<{ totalCount: number; idleCount: number; waitingCount: number }> = {};
    const factory = adapter.factory;
    const observed: typeof factory = Object.create(factory, {
      connect: {
        value: async () => {
          const connected = await factory.connect();
          // Not in the adapter interface; PrismaPg has it (its Pool), PGlite's adapter has not.
          const pg = connected as { underlyingDriver?: () => unknown };
          driver = (pg.underlyingDriver?.() ?? {}) as typeof driver;
          return connected;
        },
      },
    });
    const prisma = new PrismaClient({
      adapter: observed,
      // PGlite has one connection, so transactions queue behind each other: wait rather than fail.
      transactionOptions: { maxWait: 10_000, timeout: 20_000 },
      ...(opts.log ? { log: [{ emit: 'event', level: 'query' }] } : {}),
    });
    // Hot reads outside transactions skip Prisma's client on PostgreSQL (direct-read.ts).
    if (target.kind === 'postgres')
      readThroughPool(prisma, () => ('query' in driver ? (driver as unknown as pg.Pool) : null), opts.log);
    if (opts.log)
      (
        prisma as unknown as { $on(e: 'query', cb: (ev: { query: string; params: string }) => void): void }
      ).$on('query', opts.log);
    return {
      prisma,
      adapter,
      migrated,
      poolUse: () =>
        driver.totalCount === undefined
          ? null
          : { total: driver.totalCount, idle: driver.idleCount ?? 0, waiting: driver.waitingCount ?? 0 },
      close: async () => {
        await prisma.$disconnect();
        await adapter.close();
      },
    };
  } catch (err) {
    await adapter.close();
    throw err;
  }
}

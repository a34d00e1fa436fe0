import { PrismaClient } from '../generated/prisma/client.js';
import { type DatabaseTarget, type OpenedAdapter, openAdapter } from './adapter.js';
import { applyMigrations } from './migrate.js';

export type { Prisma } from '../generated/prisma/client.js';
export { PrismaClient };

/** Prisma client or the client of an interactive transaction: domain functions take either. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface Database {
  prisma: PrismaClient;
  adapter: OpenedAdapter;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** PGlite only: start from this dumped data directory (tests). */
  loadDataDir?: Blob;
  log?: (event: { query: string; params: string }) => void;
}

/** Opens the backend, applies migrations and returns a Prisma client on it. */
export async function openDatabase(
  target: DatabaseTarget,
  opts: OpenDatabaseOptions = {},
): Promise<Database> {
  const adapter = await openAdapter(target, { loadDataDir: opts.loadDataDir });
  try {
    if (opts.migrate !== false) await applyMigrations(adapter);
    const prisma = new PrismaClient({
      adapter: adapter.factory,
      // PGlite has one connection, so transactions queue behind each other: wait rather than fail.
      transactionOptions: { maxWait: 10_000, timeout: 20_000 },
      ...(opts.log ? { log: [{ emit: 'event', level: 'query' }] } : {}),
    });
    if (opts.log)
      (
        prisma as unknown as { $on(e: 'query', cb: (ev: { query: string; params: string }) => void): void }
      ).$on('query', opts.log);
    return {
      prisma,
      adapter,
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

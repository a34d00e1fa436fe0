import type { PGlite } from '@electric-sql/pglite';

// PGlite's data directory asks for PostgreSQL's 128 MB of shared buffers, and PGlite touches
// all of it at start (resident before the first query). 32 MB holds this schema's hot pages;
// the rest is read through the OS page cache.
// Given at each start (a -c start parameter), not written into the directory's postgresql.conf.
export const PGLITE_SHARED_BUFFERS = '32MB';

/**
 * PGlite on `dataDir` as the gateway opens it; also the bench's floor (bench/bare-server.ts:
 * what PGlite alone costs a process). PGlite is imported here, when it is wanted: a server on
 * PostgreSQL never loads it (~25 MB resident, 0.2 s).
 */
export async function createPGlite(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  return PGlite.create({
    dataDir,
    loadDataDir,
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  });
}

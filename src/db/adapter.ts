import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { lockDataDir } from './data-dir-lock.js';
import { AwaitingPGliteAdapterFactory } from './pglite-adapter.js';

/** Where the data lives: a PostgreSQL server (url) or an embedded PGlite directory. */
export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

export interface OpenedAdapter {
  target: DatabaseTarget;
  factory: SqlMigrationAwareDriverAdapterFactory;
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
    const factory = new PrismaPg({ connectionString: target.url, max: 10 });
    return { target, factory, close: async () => {} };
  }
  let release = () => {};
  if (!target.dataDir.startsWith('memory://')) {
    // PGlite does not create missing parent folders.
    fs.mkdirSync(path.resolve(target.dataDir), { recursive: true });
    release = await lockDataDir(target.dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir: target.dataDir, loadDataDir: opts.loadDataDir });
  } catch (err) {
    release();
    throw err;
  }
  const factory = new AwaitingPGliteAdapterFactory(pglite);
  return {
    target,
    factory,
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

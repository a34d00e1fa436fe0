import type { Db, PrismaClient } from './client.js';

const ATTEMPTS = 4;

/** PostgreSQL chose this transaction as a deadlock victim or a serialization loser (P2034). */
function isRetryable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (
    e?.code === 'P2034' || /deadlock detected|could not serialize access/i.test(String(e?.message ?? ''))
  );
}

/**
 * An interactive transaction, run again (after a short random pause) when PostgreSQL aborts it
 * as a deadlock victim: the domain takes row locks in one order (container, then request), but
 * a cascade may still cross another writer's. Each attempt runs `work` afresh.
 */
export async function transaction<T>(prisma: PrismaClient, work: (tx: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction((tx) => work(tx));
    } catch (err) {
      if (attempt >= ATTEMPTS || !isRetryable(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

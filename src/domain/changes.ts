import type { Db, PrismaClient } from '../db/client.js';
import { transaction } from '../db/transaction.js';

/**
 * Which objects a transaction changed: collected by the domain functions, announced (as
 * subscription events) only after the transaction commits.
 */
export class ChangeSet {
  readonly containers = new Set<string>();
  readonly containerRequests = new Set<string>();
  /** Changes a statement of the transaction announced itself (DomainContext.notifySql). */
  readonly announced = new Set<string>();
  /** Tokens the transaction expired: once it commits, this process trusts no cached copy of them. */
  readonly expiredTokens = new Set<string>();

  container(uuid: string): void {
    this.containers.add(uuid);
  }
  containerRequest(uuid: string): void {
    this.containerRequests.add(uuid);
  }
  tokenExpired(uuid: string): void {
    this.expiredTokens.add(uuid);
  }
}

/**
 * Runs a domain write in one transaction (run again when PostgreSQL aborts it as a deadlock
 * victim: db/transaction.ts), each attempt with a fresh ChangeSet, and announces what the
 * committed attempt changed once it has committed. The one place "after commit, announce"
 * happens; an announcement that must travel with the data (PostgreSQL's NOTIFY) is made here
 * too, inside the transaction, just before it commits (announceInTransaction).
 */
export async function writeTransaction<T>(
  ctx: {
    prisma: PrismaClient;
    announce(changes: ChangeSet): void;
    announceInTransaction?(tx: Db, changes: ChangeSet): Promise<void>;
  },
  work: (tx: Db, changes: ChangeSet) => Promise<T>,
): Promise<T> {
  let changes = new ChangeSet();
  const result = await transaction(ctx.prisma, async (tx) => {
    changes = new ChangeSet();
    const r = await work(tx, changes);
    await ctx.announceInTransaction?.(tx, changes);
    return r;
  });
  ctx.announce(changes);
  return result;
}

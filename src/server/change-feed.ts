import type { PubSub } from 'graphql-yoga';
import type { Changed, ChangeEvents, ChangeFeed } from '../core/services.js';
import { CHANGES_CHANNEL } from '../db/change-listener.js';
import { type Db, Prisma } from '../db/client.js';

/** Tells this process's subscribers what changed. */
export function publishChanges(events: PubSub<ChangeEvents>, changes: Changed): void {
  for (const uuid of changes.containers) {
    events.publish('containerUpdated', uuid, { uuid });
    events.publish('anyContainerUpdated', { uuid });
  }
  for (const uuid of changes.containerRequests) events.publish('containerRequestUpdated', uuid, { uuid });
}

/** The embedded database: one process, so its subscribers are all there are. */
export function localChangeFeed(events: PubSub<ChangeEvents>): ChangeFeed {
  return {
    async inTransaction() {},
    committed: (changes) => publishChanges(events, changes),
  };
}

/** A NOTIFY payload: `c` containers, `r` requests (uuids only, like the events). */
interface Payload {
  c: string[];
  r: string[];
}

// PostgreSQL refuses a payload of 8000 bytes or more: at ~30 bytes a uuid, 200 a message.
const UUIDS_PER_NOTIFY = 200;

/**
 * PostgreSQL: the changes go out with the transaction (pg_notify inside it: PostgreSQL
 * delivers them only if it commits, after the commit) to every gateway LISTENing on the
 * database, this one included, which publishes them to its subscribers (parseNotification).
 */
export function postgresChangeFeed(): ChangeFeed {
  return {
    async inTransaction(tx: Db, changes: Changed) {
      const all = [
        ...[...changes.containers].map((u) => ['c', u] as const),
        ...[...changes.containerRequests].map((u) => ['r', u] as const),
      ].filter(([, u]) => !changes.announced?.has(u));
      for (let i = 0; i < all.length; i += UUIDS_PER_NOTIFY) {
        const payload: Payload = { c: [], r: [] };
        for (const [kind, uuid] of all.slice(i, i + UUIDS_PER_NOTIFY)) payload[kind].push(uuid);
        await tx.$executeRaw`SELECT pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(payload)})`;
      }
    },
    committed() {},
    // The same payload, built by the statement (a commit announces at most 2 uuids).
    notifySql: (containers, requests) =>
      Prisma.sql`pg_notify(${CHANGES_CHANNEL}, json_build_object('c', ${containers}, 'r', ${requests})::text)`,
  };
}

/** A NOTIFY's payload as changes; null for anything that is not one of ours. */
export function parseNotification(payload: string): Changed | null {
  try {
    const p = JSON.parse(payload) as Partial<Payload>;
    const uuids = (x: unknown) => (Array.isArray(x) && x.every((u) => typeof u === 'string') ? x : null);
    const c = uuids(p.c);
    const r = uuids(p.r);
    return c && r ? { containers: new Set(c), containerRequests: new Set(r) } : null;
  } catch {
    return null;
  }
}

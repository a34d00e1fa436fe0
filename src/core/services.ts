import type { PubSub } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { Database, Db, Prisma } from '../db/client.js';
import type { SecretBox } from '../format/secret-box.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { TokenValidator } from './validator.js';

/** Change notifications carry only uuids: subscribers re-read (and re-check visibility). */
export type ChangeEvents = {
  containerUpdated: [uuid: string, payload: { uuid: string }];
  containerRequestUpdated: [uuid: string, payload: { uuid: string }];
  /** Every container change, for streams that filter by content (the dispatcher's). */
  anyContainerUpdated: [payload: { uuid: string }];
};

/** The uuids a committed write changed. */
export interface Changed {
  containers: ReadonlySet<string>;
  containerRequests: ReadonlySet<string>;
  /** Those of them a statement of the transaction announced itself (ChangeFeed.notifySql). */
  announced?: ReadonlySet<string>;
}

/**
 * An SQL expression (for a select list) that announces, as ChangeFeed.inTransaction would, the
 * containers and requests named by two text[] expressions.
 */
export type NotifySql = (containers: Prisma.Sql, requests: Prisma.Sql) => Prisma.Sql;

/**
 * Where a write's changes are announced: to this process's subscribers after the commit
 * (embedded database), or inside the transaction through PostgreSQL to every gateway on the
 * database, this one included (server/change-feed.ts).
 */
export interface ChangeFeed {
  inTransaction(tx: Db, changes: Changed): Promise<void>;
  committed(changes: Changed): void;
  /**
   * Where announcements go through the database: lets a statement that writes carry its own
   * announcement instead of costing one more statement (the commit's, domain/commit.ts).
   */
  notifySql?: NotifySql;
}

/** Everything a request needs, built once per server. */
export interface Services {
  config: Config;
  db: Database;
  validator: TokenValidator;
  events: PubSub<ChangeEvents>;
  changes: ChangeFeed;
  logger: Logger;
  metrics: Metrics;
  /** Seals and opens the secrets at rest (runtime tokens, secret mounts). */
  secrets: SecretBox;
}

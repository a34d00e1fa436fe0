import type { Config } from '../config.js';
import type { Caller } from '../core/caller.js';
import type { NotifySql } from '../core/services.js';
import type { TokenValidator } from '../core/validator.js';
import type { Db, PrismaClient } from '../db/client.js';
import type { SecretBox } from '../format/secret-box.js';
import type { ChangeSet } from './changes.js';

/**
 * What a domain operation acts with, built once per request: the database, the token
 * validator, the configuration, who is calling, and where committed changes are announced.
 */
export interface DomainContext {
  prisma: PrismaClient;
  validator: TokenValidator;
  config: Config;
  caller: Caller;
  /** Seals the secrets this operation writes; opens them only where they are handed out. */
  secrets: SecretBox;
  /** Told what a writing transaction changed, once it has committed (see writeTransaction). */
  announce(changes: ChangeSet): void;
  /**
   * Told what a writing transaction changed inside it, just before it commits: for an
   * announcement that travels with the data (PostgreSQL's NOTIFY, sent only if it commits).
   */
  announceInTransaction?(tx: Db, changes: ChangeSet): Promise<void>;
  /** Where announcements go through the database: how a statement makes its own (ChangeSet.announced). */
  notifySql?: NotifySql;
}

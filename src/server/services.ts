import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import { ClusterTokenValidator } from '../auth/validate.js';
import type { Config } from '../config.js';
import type { ChangeEvents, Services } from '../core/services.js';
import type { Database } from '../db/client.js';
import { containerStateCounts } from '../domain/container-counts.js';
import { FederatedTokenValidator } from '../federation/validator.js';
import type { SecretBox } from '../format/secret-box.js';
import { localChangeFeed, postgresChangeFeed } from './change-feed.js';
import { Drain } from './drain.js';
import { Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';

/** What the server adds for itself: its metrics and its drain. */
export type ServerServices = Services & { metrics: GatewayMetrics; drain: Drain };

export function createServices(
  config: Config,
  db: Database,
  secrets: SecretBox,
  logger: Logger = new Logger(undefined, config.logLevel),
  metrics: GatewayMetrics = new GatewayMetrics(db.poolUse, () => containerStateCounts(db.prisma)),
): ServerServices {
  // One listener per open subscription (a page of live rows holds dozens): no limit here, so
  // Node does not warn of a leak that is none.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  const events = createPubSub<ChangeEvents>({ eventTarget });
  return {
    config,
    db,
    validator: new ClusterTokenValidator(
      db.prisma,
      config,
      new FederatedTokenValidator(db.prisma, config, logger, { metrics }),
      secrets,
    ),
    events,
    // PostgreSQL: through NOTIFY, heard by every gateway on the database (app.ts listens).
    changes: db.adapter.target.kind === 'postgres' ? postgresChangeFeed() : localChangeFeed(events),
    logger,
    metrics,
    drain: new Drain(),
    secrets,
  };
}

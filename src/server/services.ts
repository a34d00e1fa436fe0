import { createPubSub } from 'graphql-yoga';
import { FederatedTokenValidator } from '../auth/federation.js';
import { TokenValidator } from '../auth/validate.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { Logger } from './logger.js';

/** Change notifications carry only uuids: subscribers re-read (and re-check visibility). */
export type ChangeEvents = {
  containerUpdated: [uuid: string, payload: { uuid: string }];
  containerRequestUpdated: [uuid: string, payload: { uuid: string }];
  /** Every container change, for streams that filter by content (the dispatcher's). */
  anyContainerUpdated: [payload: { uuid: string }];
};

/** Everything a request needs, built once per server. */
export interface Services {
  config: Config;
  db: Database;
  validator: TokenValidator;
  events: ReturnType<typeof createPubSub<ChangeEvents>>;
  logger: Logger;
}

export function createServices(config: Config, db: Database, logger = new Logger()): Services {
  return {
    config,
    db,
    validator: new TokenValidator(db.prisma, config, new FederatedTokenValidator(db.prisma, config, logger)),
    events: createPubSub<ChangeEvents>(),
    logger,
  };
}

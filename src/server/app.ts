import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import { type Database, openDatabase } from '../db/client.js';
import { bootstrapSystem, type RootTokenOutcome } from '../domain/bootstrap.js';
import { sweepExpiredTokens } from '../domain/tokens.js';
import { Logger } from './logger.js';
import { createServices } from './services.js';
import { createGatewayYoga, type Yoga } from './yoga.js';

export interface Gateway {
  services: Services;
  yoga: Yoga;
  rootToken: RootTokenOutcome;
  /** Set once listen() has been called. */
  url?: string;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Everything a running gateway is made of: database (migrated), system user and root token,
 * services, the yoga instance and the token sweep timer. Tests build it on their own database.
 */
export async function createGateway(
  config: Config,
  opts: { db?: Database; logger?: Logger } = {},
): Promise<Gateway> {
  const logger = opts.logger ?? new Logger();
  const db = opts.db ?? (await openDatabase(config.database));
  const rootToken = await bootstrapSystem(db.prisma, config.clusterId, config.systemRootToken);
  const services = createServices(config, db, logger);
  const yoga = createGatewayYoga(services);

  const sweep = async () => {
    try {
      const n = await sweepExpiredTokens(db.prisma);
      if (n) logger.info('swept expired tokens', { count: n });
    } catch (err) {
      logger.warn('token sweep failed', { message: (err as Error).message });
    }
  };
  const timer =
    config.tokenSweepSeconds > 0 ? setInterval(sweep, config.tokenSweepSeconds * 1000) : undefined;
  timer?.unref();

  let server: http.Server | undefined;
  const gateway: Gateway = {
    services,
    yoga,
    rootToken,
    async listen(port = config.port, host = '0.0.0.0') {
      server = http.createServer(yoga);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, resolve);
      });
      const addr = server.address() as AddressInfo;
      gateway.url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${addr.port}`;
      return gateway.url;
    },
    async close() {
      if (timer) clearInterval(timer);
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await yoga.dispose?.();
      if (!opts.db) await db.close();
    },
  };
  return gateway;
}

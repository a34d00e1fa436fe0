import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import { type Database, openDatabase } from '../db/client.js';
import { bootstrapSystem, type RootTokenOutcome } from '../domain/bootstrap.js';
import { sweepExpiredTokens } from '../domain/tokens.js';
import { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { createServices } from './services.js';
import { createGatewayYoga, type Yoga } from './yoga.js';

export interface Gateway {
  services: Services & { metrics: GatewayMetrics };
  yoga: Yoga;
  rootToken: RootTokenOutcome;
  /** Set once listen() has been called: where a client on this machine reaches it. */
  url?: string;
  /** Set once listen() has been called: the address and port the socket is bound to. */
  address?: AddressInfo;
  /** Listens on `host` (default HOST; unset = all interfaces) and returns the url. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** `[::1]:8080`, `127.0.0.1:8080`: an address as it is written before a port. */
export function hostPort(addr: AddressInfo): string {
  return `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
}

/** True for `::` and `0.0.0.0`: bound to every interface. */
export function allInterfaces(addr: AddressInfo): boolean {
  return addr.address === '::' || addr.address === '0.0.0.0';
}

/** The URL of a bound socket; localhost when it is bound to every interface. */
export function reachableUrl(addr: AddressInfo): string {
  return allInterfaces(addr) ? `http://localhost:${addr.port}` : `http://${hostPort(addr)}`;
}

/**
 * Everything a running gateway is made of: database (migrated), system user and root token,
 * services, the yoga instance and the token sweep timer. Tests build it on their own database.
 */
export async function createGateway(
  config: Config,
  opts: { db?: Database; logger?: Logger } = {},
): Promise<Gateway> {
  const logger = opts.logger ?? new Logger(undefined, config.logLevel);
  const db = opts.db ?? (await openDatabase(config.database));
  const rootToken = await bootstrapSystem(db.prisma, config.clusterId, config.systemRootToken);
  const services = createServices(config, db, logger);
  const yoga = createGatewayYoga(services);

  const sweep = async () => {
    try {
      const n = await sweepExpiredTokens(db.prisma);
      services.metrics.tokenSweep('ok', n);
      if (n) logger.info('swept expired tokens', { count: n });
    } catch (err) {
      services.metrics.tokenSweep('failed');
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
    async listen(port = config.port, host = config.host) {
      server = http.createServer(yoga);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        // No host: Node's all interfaces (`::`, which takes IPv4 too; `0.0.0.0` without IPv6).
        if (host === undefined) server!.listen(port, resolve);
        else server!.listen(port, host, resolve);
      });
      gateway.address = server.address() as AddressInfo;
      gateway.url = reachableUrl(gateway.address);
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

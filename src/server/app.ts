import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import { ChangeListener } from '../db/change-listener.js';
import { type Database, openDatabase } from '../db/client.js';
import { bootstrapSystem, type RootTokenOutcome } from '../domain/bootstrap.js';
import { resealTokenSecrets } from '../domain/reseal.js';
import { loadSecretBox } from '../domain/secrets-key.js';
import { sweepExpiredTokens } from '../domain/tokens.js';
import { errorWithCode } from '../errors.js';
import { parseNotification, publishChanges } from './change-feed.js';
import { SSE_ENDPOINT } from './graphql-sse.js';
import { Logger } from './logger.js';
import { createServices, type ServerServices } from './services.js';
import { createGatewayYoga, type Yoga } from './yoga.js';

// While draining: how long a kept-alive connection may stay idle before it is closed (a busy
// client sends on it within this and gets its answer with Connection: close).
const IDLE_NOTICE_MS = 1_000;
/** How long close() waits for open subscriptions to end before closing the database. */
const CLOSE_WAIT_MS = 2_000;

export interface Gateway {
  services: ServerServices;
  yoga: Yoga;
  rootToken: RootTokenOutcome;
  /** Set once listen() has been called: where a client on this machine reaches it. */
  url?: string;
  /** Set once listen() has been called: the address and port the socket is bound to. */
  address?: AddressInfo;
  /** Listens on `host` (default HOST; unset = all interfaces) and returns the url. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * The graceful stop (SIGTERM/SIGINT): /readyz 503 and no new connections at once, open
   * subscriptions end with a completion, requests in flight finish (cut after `graceMs`,
   * default SHUTDOWN_GRACE_SECONDS), then everything closes as in close().
   */
  shutdown(graceMs?: number): Promise<void>;
  /** Stops at once: connections are cut, the database closed. */
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
  const secrets = loadSecretBox(config, db.adapter.target).box;
  // Token secrets a migration left in the clear (from before they were sealed) are sealed now.
  const sealed = await resealTokenSecrets(db.prisma, secrets, { clearOnly: true });
  if (sealed) logger.info('sealed token secrets stored in the clear', { count: sealed });
  const rootToken = await bootstrapSystem(db.prisma, secrets, config.clusterId, config.systemRootToken);
  const services = createServices(config, db, secrets, logger);
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

  // PostgreSQL: every gateway's committed changes arrive here (this one's too) as notifications.
  const target = db.adapter.target;
  const listener =
    target.kind === 'postgres'
      ? new ChangeListener(target.url, {
          message(payload) {
            const changes = parseNotification(payload);
            if (changes) publishChanges(services.events, changes);
            else logger.warn('change notification not understood', { bytes: payload.length });
          },
          gap(why) {
            // Announcements sent while the connection was down are lost: say so, rather than
            // leave a stream silent that should have had an event.
            logger.warn('change events may have been missed: ending open subscriptions', { why });
            services.drain.interrupt({
              data: null,
              errors: [
                errorWithCode(
                  'SERVICE_UNAVAILABLE',
                  'Change events may have been missed (the gateway lost its database connection): subscribe again',
                ),
              ],
            });
          },
          trouble: (what, fields) => logger.error(what, fields),
        })
      : undefined;
  try {
    await listener?.ready;
  } catch (err) {
    if (timer) clearInterval(timer);
    await listener?.close();
    if (!opts.db) await db.close();
    throw err;
  }

  let server: http.Server | undefined;
  // graphql-sse's reserved streams (single connection mode): they outlive their operations, so
  // the drain ends them once their subscriptions have completed.
  const streams = new Set<http.ServerResponse>();
  const release = async () => {
    if (timer) clearInterval(timer);
    await listener?.close();
    await yoga.dispose?.();
    if (!opts.db) await db.close();
  };
  const gateway: Gateway = {
    services,
    yoga,
    rootToken,
    async listen(port = config.port, host = config.host) {
      server = http.createServer((req, res) => {
        if (req.method === 'GET' && req.url?.startsWith(SSE_ENDPOINT)) {
          streams.add(res);
          res.once('close', () => streams.delete(res));
        }
        return yoga(req, res);
      });
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
    async shutdown(graceMs = config.shutdownGraceSeconds * 1000) {
      const { drain } = services;
      drain.start();
      logger.info('draining', { graceSeconds: graceMs / 1000 });
      if (server) {
        const s = server;
        // Stops listening (net's close: http's would also close idle kept-alive connections at
        // once, and a client sending on one just then would see it reset, its request lost).
        // A request on a kept-alive connection is still served, with Connection: close; what is
        // still idle after IDLE_NOTICE_MS is closed. `closed` resolves when the last has gone.
        const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(s, () => resolve()));
        const idle = setTimeout(() => s.closeIdleConnections(), IDLE_NOTICE_MS);
        let cut: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          cut = setTimeout(() => resolve('late'), graceMs);
        });
        await Promise.race([drain.subscriptionsEnded(), late]);
        // Their completions are written; the streams that carried them end now.
        await new Promise((resolve) => setImmediate(resolve));
        for (const res of streams) res.end();
        if ((await Promise.race([closed, late])) === 'late') {
          logger.warn('shutdown grace over: cutting the connections left');
          s.closeAllConnections();
          await closed;
        }
        clearTimeout(cut);
        clearTimeout(idle);
      }
      await release();
      logger.info('shut down');
    },
    async close() {
      // Subscriptions are ended first and waited for (briefly): a stream still reading the
      // database for its next event when the database closes would fail after the fact.
      services.drain.start();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      let cut: NodeJS.Timeout | undefined;
      await Promise.race([
        services.drain.subscriptionsEnded(),
        new Promise((resolve) => {
          cut = setTimeout(resolve, CLOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(cut);
      await release();
    },
  };
  return gateway;
}

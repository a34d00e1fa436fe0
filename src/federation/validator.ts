import crypto from 'node:crypto';
import { createLRUCache } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { ValidToken } from '../core/caller.js';
import type { Logger } from '../core/logger.js';
import { type Metrics, NO_METRICS } from '../core/metrics.js';
import type { RemoteTokenValidator } from '../core/validator.js';
import type { PrismaClient } from '../db/client.js';
import { findLocalToken } from '../domain/tokens.js';
import { clusterOf, isUuid } from '../format/uuid.js';
import { storeRemoteToken } from './remote-cache.js';
import { HomeClusterClient, SingleFlight } from './remote-client.js';

// Refusals remembered at once (by token hash): a flood of distinct made-up tokens pushes the
// oldest out rather than growing the memory.
const MAX_REMEMBERED_REFUSALS = 10_000;

/**
 * Validates tokens of other clusters (design.md §7): a cached copy while it lasts, else the home
 * cluster is asked and its answer cached. Concurrent validations of one token string share a
 * single run, so a burst of requests makes one remote call; a token the home refused is refused
 * again without asking for REMOTE_NEGATIVE_TTL_SECONDS (a failure to get an answer is not a
 * refusal, and is not remembered). Never throws; logs the cluster and the reason of a failure,
 * never the token.
 */
export class FederatedTokenValidator implements RemoteTokenValidator {
  private readonly client: HomeClusterClient;
  private readonly flights = new SingleFlight<ValidToken | null>();
  private readonly metrics: Metrics;
  private readonly refused: ReturnType<typeof createLRUCache<true>> | null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: Config,
    private readonly logger: Logger,
    opts: { fetch?: typeof fetch; metrics?: Metrics } = {},
  ) {
    this.metrics = opts.metrics ?? NO_METRICS;
    this.client = new HomeClusterClient({
      clusterId: config.clusterId,
      timeoutMs: config.remoteTimeoutMs,
      concurrency: config.remoteConcurrency,
      fetch: opts.fetch,
    });
    const ttlSeconds = config.remoteNegativeTtlSeconds;
    this.refused =
      ttlSeconds > 0 ? createLRUCache<true>({ max: MAX_REMEMBERED_REFUSALS, ttl: ttlSeconds * 1000 }) : null;
  }

  validate(token: { uuid: string; secret: string }): Promise<ValidToken | null> {
    // Keyed by the whole token (hashed, so the map holds no secret): a wrong secret must
    // never share the answer given for the right one.
    const key = crypto.createHash('sha256').update(`${token.uuid}/${token.secret}`).digest('hex');
    if (this.refused?.get(key)) return Promise.resolve(null);
    return this.flights.run(key, () => this.validateOnce(key, token));
  }

  private async validateOnce(
    key: string,
    token: { uuid: string; secret: string },
  ): Promise<ValidToken | null> {
    const cluster = clusterOf(token.uuid);
    // The home's own answer that the token is no good (not a failure to get one).
    const refusedByHome = (reason: string) => {
      this.refused?.set(key, true);
      return this.refuse(cluster, reason);
    };
    try {
      // The cached row answers until it expires (at most one TTL after the home last said yes).
      const cached = await findLocalToken(this.prisma, { version: 2, ...token });
      if (cached) return cached;
      const url = this.config.remoteClusters[cluster];
      if (!url) return null;
      const answer = await this.client.ask(url, token);
      this.metrics.remoteValidation(cluster, answer.ok ? 'accepted' : answer.refused ? 'refused' : 'failed');
      if (!answer.ok)
        return answer.refused ? refusedByHome(answer.reason) : this.refuse(cluster, answer.reason);
      const { info } = answer;
      const now = new Date();
      if (info.uuid !== token.uuid) return refusedByHome('answered for another token');
      // A cluster may only vouch for its own users.
      if (!isUuid(info.user.uuid, 'user') || clusterOf(info.user.uuid) !== cluster) {
        return refusedByHome('vouched for a user of another cluster');
      }
      if (info.expiresAt && info.expiresAt <= now) return refusedByHome('token already expired');
      return await storeRemoteToken(this.prisma, info, token.secret, this.config.remoteTokenTtlSeconds, now);
    } catch (err) {
      // Database trouble: the name and code only, a driver message can quote parameters.
      const code = (err as { code?: unknown })?.code;
      this.logger.error('remote token validation failed', {
        cluster,
        reason: 'local error',
        error: (err as Error)?.name,
        code: typeof code === 'string' ? code : undefined,
      });
      return null;
    }
  }

  private refuse(cluster: string, reason: string): null {
    this.logger.warn('remote token not accepted', { cluster, reason });
    return null;
  }
}

import type { Config } from '../config.js';
import type { Caller, ValidToken } from '../core/caller.js';
import type { RemoteTokenValidator, TokenValidator } from '../core/validator.js';
import type { PrismaClient } from '../db/client.js';
import { readTokenRow, validTokenOf } from '../domain/tokens.js';
import { unauthenticated } from '../errors.js';
import type { SecretBox } from '../format/secret-box.js';
import { type ParsedToken, parseRuntimeToken, parseToken } from '../format/token-string.js';
import { clusterOf } from '../format/uuid.js';
import { checkBoundContainer, containerOfGeneratedToken } from './container-binding.js';
import { TokenRowCache } from './token-cache.js';

/**
 * Validates tokens: this cluster's in its own table, another cluster's through the remote
 * validator (federation), and a request's token including its container-bound 4th part.
 */
export class ClusterTokenValidator implements TokenValidator {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: Config,
    private readonly remote: RemoteTokenValidator | null,
    /** Opens a token's sealed secret to check its salted form. */
    private readonly secrets: SecretBox,
    /** Local tokens' rows that validated, for TOKEN_CACHE_SECONDS (token-cache.ts). */
    private readonly cache = new TokenRowCache(config.tokenCacheSeconds * 1000),
  ) {}

  async validate(parsed: ParsedToken, opts: { remoteClusterId?: string } = {}): Promise<ValidToken | null> {
    if (parsed.version === 1 || clusterOf(parsed.uuid) === this.config.clusterId) {
      return this.validateLocal(parsed, opts);
    }
    // Another cluster's token: only a configured remote may vouch for it; local prefix
    // tokens never reach here, so an unknown local token makes no remote call.
    if (!this.remote || !this.config.remoteClusters[clusterOf(parsed.uuid)]) return null;
    return this.remote.validate({ uuid: parsed.uuid, secret: parsed.secret });
  }

  /**
   * A token of this cluster, by its row: the cached one if it is still fresh, else read
   * (readTokenRow, as findLocalToken reads it). Either way the presented secret and the expiry
   * are checked now; only a row that validated is kept.
   */
  private async validateLocal(parsed: ParsedToken, opts: { remoteClusterId?: string }) {
    const key = TokenRowCache.keyOf(parsed);
    const cached = this.cache.get(key);
    const row = cached ?? (await readTokenRow(this.prisma, parsed));
    const now = new Date(this.cache.now());
    const valid = validTokenOf(row, parsed, { ...opts, salting: this.secrets, now });
    if (valid && row && !cached) this.cache.set(key, row);
    return valid;
  }

  forget(tokenUuid: string): void {
    this.cache.forget(tokenUuid);
  }

  /** A runtime token: v2 only, no 4th part (design.md §4). */
  async validateRuntimeToken(raw: string): Promise<ValidToken | null> {
    const parsed = parseRuntimeToken(raw);
    return parsed ? this.validate({ version: 2, ...parsed }) : null;
  }

  /**
   * Authenticates a request's token. Throws UNAUTHENTICATED for anything invalid, including
   * a container-bound token whose container is not LOCKED/RUNNING or not its own.
   */
  async authenticate(raw: string, opts: { remoteClusterId?: string } = {}): Promise<Caller> {
    const parsed = parseToken(raw);
    const valid = parsed && (await this.validate(parsed, opts));
    if (!parsed || !valid) throw unauthenticated('Invalid or expired token');
    // A 4th part is checked now (a refusal is UNAUTHENTICATED); a plain token's container is
    // looked up only if a resolver asks, so ordinary requests pay no extra query.
    const boundTo = parsed.version === 2 ? parsed.containerUuid : undefined;
    const bound = boundTo ? await checkBoundContainer(this.prisma, valid.token.uuid, boundTo) : null;
    if (bound === false) throw unauthenticated('Token is not valid for that container');
    let lookup: Promise<string | null> | undefined;
    let found: string | null | undefined = bound ?? undefined;
    return {
      user: valid.user,
      token: valid.token,
      ...(valid.saltedFor ? { saltedFor: valid.saltedFor } : {}),
      containerUuid: () => {
        if (bound) return Promise.resolve(bound);
        lookup ??= containerOfGeneratedToken(this.prisma, valid.token.uuid).then((uuid) => (found = uuid));
        return lookup;
      },
      knownContainerUuid: () => found,
    };
  }
}

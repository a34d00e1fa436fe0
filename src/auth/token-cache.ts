import type { TokenUserRow } from '../domain/tokens.js';
import { digestSecret } from '../format/salt.js';
import type { ParsedToken } from '../format/token-string.js';

/**
 * Rows of local tokens that validated, kept in this process for at most TOKEN_CACHE_SECONDS
 * (issue 12: authentication is on every request, and its statement was most of a small
 * query's cost). The bound is what it costs: a token expired, deleted or whose user was
 * deactivated elsewhere (another gateway, the CLI, SQL) may still pass here for up to that long
 * after the change; never past its own `expires_at`, which is checked on every use. A token
 * this process expires itself (a container's generated token as it leaves LOCKED/RUNNING) is
 * dropped as soon as that commits (forget). 0 turns the cache off.
 *
 * Secrecy: an entry is keyed by the token's uuid (v2) or by the digest of its secret (v1),
 * never by the secret; it holds the row as read (the secret's digest and its sealed form,
 * as the database has them), and every use still compares the presented secret's digest.
 */
export class TokenRowCache {
  private readonly rows = new Map<string, { row: TokenUserRow; until: number }>();

  constructor(
    private readonly ttlMs: number,
    /** Entries at most: past it the oldest goes (a bound on memory, whatever the traffic). */
    private readonly maxEntries = 10_000,
    /** Milliseconds since the epoch; tests move it. */
    readonly now: () => number = Date.now,
  ) {}

  /** The key of the row a token is looked up by (tokenRowSql): its uuid, or its secret's digest. */
  static keyOf(parsed: ParsedToken): string {
    return parsed.version === 2 ? `v2:${parsed.uuid}` : `v1:${digestSecret(parsed.secret)}`;
  }

  get(key: string): TokenUserRow | undefined {
    const entry = this.rows.get(key);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.row;
    this.rows.delete(key);
    return undefined;
  }

  /** Drops the token's row (under its uuid, and under any digest of its secret it was found by). */
  forget(tokenUuid: string): void {
    for (const [key, entry] of this.rows) if (entry.row.uuid === tokenUuid) this.rows.delete(key);
  }

  /** Keeps a row that has just validated, until the bound or the token's expiry, whichever is first. */
  set(key: string, row: TokenUserRow): void {
    if (this.ttlMs <= 0) return;
    const until = Math.min(this.now() + this.ttlMs, row.expires_at?.getTime() ?? Number.POSITIVE_INFINITY);
    this.rows.delete(key);
    if (this.rows.size >= this.maxEntries) this.rows.delete(this.rows.keys().next().value!);
    this.rows.set(key, { row, until });
  }
}

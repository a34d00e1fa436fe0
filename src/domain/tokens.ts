import type { TokenRecord, ValidToken } from '../core/caller.js';
import type { Db } from '../db/client.js';
import { saltSecret, secretsEqual } from '../format/salt.js';
import { formatV2, type ParsedToken } from '../format/token-string.js';
import { newSecret, newUuid } from '../format/uuid.js';

export const tokenWithoutSecret = {
  uuid: true,
  userUuid: true,
  scopes: true,
  expiresAt: true,
  createdAt: true,
  remoteValidatedAt: true,
} as const;

export function isExpired(t: { expiresAt: Date | null }, now = new Date()): boolean {
  return t.expiresAt !== null && t.expiresAt.getTime() <= now.getTime();
}

/**
 * Issues a new token; the v2 string is returned here and never again.
 */
export async function createToken(
  db: Db,
  clusterId: string,
  input: { userUuid: string; scopes?: string[]; expiresAt?: Date | null; secret?: string; uuid?: string },
): Promise<{ token: TokenRecord; apiToken: string }> {
  const secret = input.secret ?? newSecret();
  const token = await db.apiClientAuthorization.create({
    data: {
      uuid: input.uuid ?? newUuid(clusterId, 'token'),
      userUuid: input.userUuid,
      secret,
      scopes: input.scopes ?? ['all'],
      expiresAt: input.expiresAt ?? null,
    },
    select: tokenWithoutSecret,
  });
  return { token, apiToken: formatV2(token.uuid, secret) };
}

/**
 * Looks a token up in the local table. A v2 token matches by uuid and secret, or, when the
 * request names a remote cluster (`X-Arvados-Remote-Cluster`), by the secret salted for it.
 * A v1 token matches by secret. Expired tokens are invalid.
 */
export async function findLocalToken(
  db: Db,
  parsed: ParsedToken,
  opts: { remoteClusterId?: string; now?: Date } = {},
): Promise<ValidToken | null> {
  const row =
    parsed.version === 2
      ? await db.apiClientAuthorization.findUnique({ where: { uuid: parsed.uuid }, include: { user: true } })
      : // v1 is for local tokens only (design.md §2): never a cached copy of another cluster's token.
        await db.apiClientAuthorization.findFirst({
          where: { secret: parsed.secret, remoteValidatedAt: null },
          include: { user: true },
        });
  if (!row || isExpired(row, opts.now)) return null;
  const ok =
    secretsEqual(row.secret, parsed.secret) ||
    (parsed.version === 2 &&
      !!opts.remoteClusterId &&
      secretsEqual(saltSecret(row.secret, opts.remoteClusterId), parsed.secret));
  if (!ok) return null;
  const { secret: _secret, user, ...token } = row;
  return { token, user };
}

/**
 * Whether the token row is still there and not expired: for long-lived work (a subscription)
 * that authenticated once and must stop honouring the token once it lapses (design.md §2). A remote
 * token's cached row counts too, so its stream ends when the cache TTL runs out.
 */
export async function isTokenCurrent(db: Db, uuid: string, now = new Date()): Promise<boolean> {
  const row = await db.apiClientAuthorization.findUnique({ where: { uuid }, select: { expiresAt: true } });
  return !!row && !isExpired(row, now);
}

/** Expires a token now (kept, not deleted: design.md §5 "the generated token expires now"). */
export async function expireToken(db: Db, uuid: string, now = new Date()): Promise<void> {
  await db.apiClientAuthorization.updateMany({
    where: { uuid, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    data: { expiresAt: now },
  });
}

/** Deletes expired token rows; returns how many. */
export async function sweepExpiredTokens(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.apiClientAuthorization.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

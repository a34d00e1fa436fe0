import type { TokenRecord, ValidToken } from '../core/caller.js';
import { type Db, Prisma } from '../db/client.js';
import { readRows } from '../db/direct-read.js';
import { prepared } from '../db/prepared.js';
import { digestSecret, saltSecret, secretsEqual } from '../format/salt.js';
import type { SecretBox } from '../format/secret-box.js';
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
  secrets: SecretBox,
  clusterId: string,
  input: { userUuid: string; scopes?: string[]; expiresAt?: Date | null; secret?: string; uuid?: string },
): Promise<{ token: TokenRecord; apiToken: string }> {
  const secret = input.secret ?? newSecret();
  const token = await db.apiClientAuthorization.create({
    data: {
      uuid: input.uuid ?? newUuid(clusterId, 'token'),
      userUuid: input.userUuid,
      ...storedSecret(secrets, secret),
      scopes: input.scopes ?? ['all'],
      expiresAt: input.expiresAt ?? null,
    },
    select: tokenWithoutSecret,
  });
  return { token, apiToken: formatV2(token.uuid, secret) };
}

/** The columns that stand for a local token's secret: its digest, and the secret sealed. */
export function storedSecret(
  secrets: SecretBox,
  secret: string,
): { secretDigest: string; sealedSecret: string } {
  return { secretDigest: digestSecret(secret), sealedSecret: secrets.seal(secret) };
}

/** A local token's secret, opened (containerAuth, salting); null for a cached remote token. */
export function openSecret(secrets: SecretBox, row: { sealedSecret: string | null }): string | null {
  // openToken: a value the migration moved over in the clear reads as it is until sealed.
  return secrets.openToken(row.sealedSecret);
}

/** A token row joined with its user's row: what findLocalToken reads in one statement. */
export interface TokenUserRow {
  uuid: string;
  user_uuid: string;
  secret_digest: string;
  sealed_secret: string | null;
  scopes: string[];
  expires_at: Date | null;
  created_at: Date;
  remote_validated_at: Date | null;
  u_email: string | null;
  u_full_name: string | null;
  u_is_admin: boolean;
  u_is_active: boolean;
  u_created_at: Date;
  u_modified_at: Date;
}

// Token and user in one statement (authentication is on every request; Prisma's `include`
// would read them in two).
const TOKEN_AND_USER = Prisma.sql`
  SELECT t.uuid, t.user_uuid, t.secret_digest, t.sealed_secret, t.scopes, t.expires_at, t.created_at, t.remote_validated_at,
         u.email AS u_email, u.full_name AS u_full_name, u.is_admin AS u_is_admin,
         u.is_active AS u_is_active, u.created_at AS u_created_at, u.modified_at AS u_modified_at
  FROM api_client_authorizations t JOIN users u ON u.uuid = t.user_uuid`;

/**
 * Looks a token up in the local table. A v2 token matches by uuid and secret, or, when the
 * request names a remote cluster (`X-Arvados-Remote-Cluster`), by the secret salted for it
 * (which needs `salting`, the box that opens the sealed secret). A v1 token matches by secret.
 * Secrets are compared by their digests. Expired tokens are invalid.
 */
export async function findLocalToken(
  db: Db,
  parsed: ParsedToken,
  opts: { remoteClusterId?: string; salting?: SecretBox; now?: Date } = {},
): Promise<ValidToken | null> {
  return validTokenOf(await readTokenRow(db, parsed), parsed, opts);
}

/**
 * The token's row and its user (tokenRowSql), or none: the read on nearly every request that
 * a cached row does not spare, so prepared on PostgreSQL (db/prepared.ts).
 */
export async function readTokenRow(db: Db, parsed: ParsedToken): Promise<TokenUserRow | undefined> {
  const [row] = await readRows<TokenUserRow>(db, prepared(tokenRowSql(parsed)));
  return row;
}

/** The statement findLocalToken reads the token's row with (a TokenUserRow, or none). */
export function tokenRowSql(parsed: ParsedToken): Prisma.Sql {
  return parsed.version === 2
    ? Prisma.sql`${TOKEN_AND_USER} WHERE t.uuid = ${parsed.uuid}`
    : // v1 is for local tokens only (design.md §2): never a cached copy of another cluster's token.
      Prisma.sql`${TOKEN_AND_USER}
        WHERE t.secret_digest = ${digestSecret(parsed.secret)} AND t.remote_validated_at IS NULL LIMIT 1`;
}

/**
 * The token and its user if `row` (tokenRowSql's) makes `parsed` valid now, else null. The
 * salted form needs `salting`, the box that opens the row's sealed secret.
 */
export function validTokenOf(
  row: TokenUserRow | undefined,
  parsed: ParsedToken,
  opts: { remoteClusterId?: string; salting?: SecretBox; now?: Date } = {},
): ValidToken | null {
  const digest = digestSecret(parsed.secret);
  if (!row || isExpired({ expiresAt: row.expires_at }, opts.now)) return null;
  const raw = secretsEqual(row.secret_digest, digest);
  const secret =
    !raw && parsed.version === 2 && opts.remoteClusterId && opts.salting
      ? openSecret(opts.salting, { sealedSecret: row.sealed_secret })
      : null;
  const salted = !!secret && secretsEqual(saltSecret(secret, opts.remoteClusterId!), parsed.secret);
  if (!raw && !salted) return null;
  return {
    // The salted form exists for the remote cluster to ask who the token is; at home it is
    // nothing more (a client can set the header itself).
    ...(salted ? { saltedFor: opts.remoteClusterId } : {}),
    token: {
      uuid: row.uuid,
      userUuid: row.user_uuid,
      scopes: row.scopes,
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      remoteValidatedAt: row.remote_validated_at,
    },
    user: {
      uuid: row.user_uuid,
      email: row.u_email,
      fullName: row.u_full_name,
      isAdmin: row.u_is_admin,
      isActive: row.u_is_active,
      createdAt: row.u_created_at,
      modifiedAt: row.u_modified_at,
    },
  };
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

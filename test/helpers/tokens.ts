// Tokens for tests: one way to issue one through the API (issueToken), and, for what the API
// will not make, rows written straight to the database (insertToken, plantToken).
import crypto from 'node:crypto';
import { createToken, storedSecret } from '../../src/domain/tokens.js';
import { ok } from './assert.js';
import type { TestGateway } from './gateway.js';
import { sql } from './sql.js';

export interface IssuedToken {
  uuid: string;
  /** The full v2 string. */
  apiToken: string;
  /** Its secret part alone. */
  secret: string;
  userUuid: string;
}

/** The secret part of a v2 token string. */
export function secretOf(apiToken: string): string {
  return apiToken.split('/')[2]!;
}

/** The uuid part of a v2 token string. */
export function uuidOf(v2: string): string {
  return v2.split('/')[1]!;
}

/** The container-bound form of a v2 token (design.md §6). */
export function bound(apiToken: string, containerUuid: string): string {
  return `${apiToken}/${containerUuid}`;
}

/** A token issued through the API (as `asToken`, for `userUuid` when given and admin). */
export async function issueToken(
  gw: TestGateway,
  asToken: string,
  input: { scopes?: string[]; expiresAt?: Date | string; userUuid?: string } = {},
): Promise<IssuedToken> {
  const r = await gw.gql(
    `mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid userUuid apiToken } }`,
    {
      i: {
        ...input,
        expiresAt: input.expiresAt instanceof Date ? input.expiresAt.toISOString() : input.expiresAt,
      },
    },
    asToken,
  );
  if (r.errors) throw new Error(`createApiClientAuthorization failed: ${r.body}`);
  const t = r.data.createApiClientAuthorization;
  return { uuid: t.uuid, apiToken: t.apiToken, secret: secretOf(t.apiToken), userUuid: t.userUuid };
}

/**
 * A token row written straight to the database, for what the API will not make (scopes out
 * of order, as a cached remote token may have them).
 */
export async function insertToken(gw: TestGateway, userUuid: string, scopes: string[]): Promise<IssuedToken> {
  const tail = Array.from(crypto.randomBytes(15), (b) => '0123456789abcdefghijklmnopqrstuvwxyz'[b % 36]).join(
    '',
  );
  const uuid = `${gw.gateway.services.config.clusterId}-gj3su-${tail}`;
  const secret = crypto.randomBytes(24).toString('hex');
  const { secretDigest, sealedSecret } = storedSecret(gw.gateway.services.secrets, secret);
  await sql(
    gw,
    `INSERT INTO api_client_authorizations (uuid, user_uuid, secret_digest, sealed_secret, scopes)
     VALUES ($1, $2, $3, $4, $5::text[])`,
    uuid,
    userUuid,
    secretDigest,
    sealedSecret,
    scopes,
  );
  return { uuid, apiToken: `v2/${uuid}/${secret}`, secret, userUuid };
}

/**
 * A token of cluster `clusterId` made directly in this gateway's database (any user, any uuid
 * prefix): how a test plays another cluster's token.
 */
export async function plantToken(
  gw: TestGateway,
  user: { uuid: string; email?: string; isActive?: boolean },
  opts: { clusterId: string; scopes?: string[]; expiresAt?: Date | null },
) {
  const prisma = gw.gateway.services.db.prisma;
  await prisma.user.upsert({
    where: { uuid: user.uuid },
    create: { uuid: user.uuid, email: user.email ?? null, isActive: user.isActive ?? true },
    update: {},
  });
  return createToken(prisma, gw.gateway.services.secrets, opts.clusterId, {
    userUuid: user.uuid,
    scopes: opts.scopes,
    expiresAt: opts.expiresAt,
  });
}

/** The uuid of the token a caller uses. */
export async function tokenUuid(gw: TestGateway, token: string): Promise<string> {
  return ok(await gw.gql('{ currentApiClientAuthorization { uuid } }', {}, token))
    .currentApiClientAuthorization.uuid;
}

/** A new token for the caller's own user with these scopes (its v2 string). */
export async function newToken(gw: TestGateway, token: string, scopes: string[] = ['all']): Promise<string> {
  return (await issueToken(gw, token, { scopes })).apiToken;
}

import type { Caller, TokenRecord } from '../core/caller.js';
import type { Db } from '../db/client.js';
import { badInput, forbidden, notFound } from '../errors.js';
import type { SecretBox } from '../format/secret-box.js';
import { clusterOf } from '../format/uuid.js';
import { isValidScope, normalizeScopes, scopeCovers } from './scopes.js';
import { createToken } from './tokens.js';

/** The most scopes one token may carry. */
export const MAX_SCOPES = 100;

export interface TokenRequest {
  /** Whose token it is; default the caller's own user. */
  userUuid?: string | null;
  /** Default ["all"]. */
  scopes?: readonly string[] | null;
  /** Default: never expires. */
  expiresAt?: Date | null;
}

/**
 * Who asks for a token: a request's caller, whose user and token scopes limit what it may
 * issue, or the operator on the command line, who may issue any token of this cluster.
 */
export type TokenIssuer = { caller: Caller } | { operator: true };

export interface IssuedToken {
  token: TokenRecord;
  /** The v2 string: returned here and never again. */
  apiToken: string;
  user: { uuid: string; isActive: boolean };
}

/** The scopes a new token asks for, default ["all"]; BAD_USER_INPUT unless 1 to MAX_SCOPES valid ones. */
export function checkScopes(scopes: readonly string[] | null | undefined): readonly string[] {
  const list = scopes ?? ['all'];
  if (list.length === 0 || list.length > MAX_SCOPES || !list.every(isValidScope)) {
    throw badInput(
      'scopes',
      'scopes must be a non-empty list of: all, query:<field>, mutation:<field>, subscription:<field>, <root>:*',
    );
  }
  return list;
}

/**
 * A minted token never outlives the token that minted it (design.md §2): the expiry asked for
 * (null: never) is clamped to the maker's, as Arvados clamps to its MaxTokenLifetime, rather
 * than refused — a client asking for "no expiry" gets the longest it may have.
 */
export function clampExpiry(asked: Date | null, maker: Date | null): Date | null {
  if (maker === null) return asked;
  return asked === null || asked.getTime() > maker.getTime() ? maker : asked;
}

/**
 * Issues a token after every rule of issuance: never by a container's token; this cluster's
 * users only, by this cluster's tokens; for another user only by an admin; valid scopes (1 to
 * MAX_SCOPES), each covered by the issuer's own; an expiry in the future, clamped to the
 * issuer's. Throws FORBIDDEN, NOT_FOUND or BAD_USER_INPUT.
 */
export async function issueToken(
  db: Db,
  secrets: SecretBox,
  clusterId: string,
  issuer: TokenIssuer,
  request: TokenRequest,
  now = new Date(),
): Promise<IssuedToken> {
  const caller = 'caller' in issuer ? issuer.caller : null;
  // A container's token is for the container's own work: a token it minted would outlive the
  // container (its generated token expires when the container leaves RUNNING).
  if (caller && (await caller.containerUuid()) !== null) {
    throw forbidden("A container's token cannot create tokens");
  }
  const userUuid = request.userUuid ?? caller?.user.uuid;
  if (!userUuid) throw badInput('userUuid', 'userUuid is required');
  // A local token for another cluster's user would outlive a revocation at its home.
  if ((caller && clusterOf(caller.token.uuid) !== clusterId) || clusterOf(userUuid) !== clusterId) {
    throw forbidden('Tokens for users of another cluster are issued by their home cluster');
  }
  let user: IssuedToken['user'] | null = caller && userUuid === caller.user.uuid ? caller.user : null;
  if (!user) {
    if (caller && !caller.user.isAdmin) throw forbidden('Only admins may create tokens for other users');
    user = await db.user.findUnique({ where: { uuid: userUuid }, select: { uuid: true, isActive: true } });
    if (!user) throw notFound('User not found');
  }
  const scopes = checkScopes(request.scopes);
  // A narrowed token cannot mint a broader one.
  if (caller && !scopes.every((s) => scopeCovers(caller.token.scopes, s))) {
    throw forbidden('A token may only create tokens with scopes its own scopes cover');
  }
  if (request.expiresAt && request.expiresAt.getTime() <= now.getTime()) {
    throw badInput('expiresAt', 'expiresAt must be in the future');
  }
  const { token, apiToken } = await createToken(db, secrets, clusterId, {
    userUuid,
    scopes: normalizeScopes(scopes),
    expiresAt: clampExpiry(request.expiresAt ?? null, caller?.token.expiresAt ?? null),
  });
  return { token, apiToken, user: { uuid: user.uuid, isActive: user.isActive } };
}

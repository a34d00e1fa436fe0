import type { TokenRecord } from '../core/caller.js';
import { Prisma } from '../db/client.js';
import { readRows } from '../db/direct-read.js';
import { prepared } from '../db/prepared.js';
import { forbidden, notFound } from '../errors.js';
import { formatV2 } from '../format/token-string.js';
import type { DomainContext } from './context.js';
import { RUNTIME_TOKEN_USER_INACTIVE, runtimeUserActive } from './runtime-identity.js';
import { openSecret } from './tokens.js';
import { containerVisibleWhere } from './visibility.js';

/** What containerAuth reads: the container's lock and runtime token, joined with its generated token. */
export interface ContainerAuthRow {
  locked_by_uuid: string | null;
  runtime_token_uuid: string | null;
  /** Sealed; the database hands it only to the lock holder (null for anyone else). */
  runtime_token: string | null;
  uuid: string | null;
  user_uuid: string | null;
  scopes: string[] | null;
  expires_at: Date | null;
  created_at: Date | null;
  remote_validated_at: Date | null;
  /** Sealed; likewise only for the lock holder. */
  sealed_secret: string | null;
}

// One statement: the container and its generated token (the join), the secrets only for the
// token that holds the lock. "runtime_token" is quoted as Prisma writes it, so that the
// column-reads secrecy test sees this read.
export const containerAuthSql = (uuid: string, callerToken: string) => Prisma.sql`
  SELECT c.locked_by_uuid, c.runtime_token_uuid,
         CASE WHEN c.locked_by_uuid = ${callerToken} THEN c."runtime_token" END AS runtime_token,
         t.uuid, t.user_uuid, t.scopes, t.expires_at, t.created_at, t.remote_validated_at,
         CASE WHEN c.locked_by_uuid = ${callerToken} THEN t.sealed_secret END AS sealed_secret
  FROM containers c LEFT JOIN api_client_authorizations t ON t.uuid = c.auth_uuid
  WHERE c.uuid = ${uuid}`;

/**
 * containerAuth (design.md §5): the token a container must run with, handed only to the token that
 * holds its lock. A runtime token is re-validated now (its home cluster asked if remote);
 * otherwise the token generated at lock. Returns the token's row (no secret columns) and its v2
 * string. An admin (a dispatcher) costs one statement; anyone else first the visibility check
 * (only admins lock, so for them it decides between NOT_FOUND and FORBIDDEN).
 */
export async function containerAuth(
  ctx: DomainContext,
  uuid: string,
): Promise<{ token: TokenRecord; apiToken: string }> {
  const { prisma, validator, caller } = ctx;
  if (!caller.user.isAdmin) {
    const visible = await prisma.container.findFirst({
      where: { uuid, AND: [containerVisibleWhere(caller)] },
      select: { uuid: true },
    });
    if (!visible) throw notFound('Container not found');
  }
  const [c] = await readRows<ContainerAuthRow>(prisma, prepared(containerAuthSql(uuid, caller.token.uuid)));
  if (!c) throw notFound('Container not found');
  if (!c.locked_by_uuid || c.locked_by_uuid !== caller.token.uuid)
    throw forbidden('Not locked by your token');
  if (c.runtime_token_uuid) {
    // The one path that opens the sealed runtime token: for the lock holder only.
    const runtimeToken = ctx.secrets.openToken(c.runtime_token);
    const valid = runtimeToken ? await validator.validateRuntimeToken(runtimeToken) : null;
    if (!runtimeToken || !valid) throw forbidden('Invalid runtime_token');
    if (!runtimeUserActive(valid)) throw forbidden(RUNTIME_TOKEN_USER_INACTIVE);
    return { token: valid.token, apiToken: runtimeToken };
  }
  // The generated token's secret: opened here only, for the lock holder.
  const secret = c.uuid ? openSecret(ctx.secrets, { sealedSecret: c.sealed_secret }) : null;
  if (!c.uuid || !secret) throw forbidden('Not locked by your token');
  return {
    token: {
      uuid: c.uuid,
      userUuid: c.user_uuid!,
      scopes: c.scopes!,
      expiresAt: c.expires_at,
      createdAt: c.created_at!,
      remoteValidatedAt: c.remote_validated_at,
    },
    apiToken: formatV2(c.uuid, secret),
  };
}

/**
 * containerSecretMounts (design.md §6): only to the token bound to the container (its generated token,
 * or its runtime token in container-bound form, as Arvados' for_current_token); admins, and a
 * runtime token in plain form (it may be its owner's everyday token), are refused.
 */
export async function containerSecretMounts(ctx: DomainContext, uuid: string): Promise<unknown> {
  const { prisma, caller } = ctx;
  if ((await caller.containerUuid()) !== uuid) {
    const visible = await prisma.container.findFirst({
      where: { uuid, AND: [containerVisibleWhere(caller)] },
      select: { uuid: true },
    });
    if (!visible) throw notFound('Container not found');
    throw forbidden("Only the container's own token may read its secret mounts");
  }
  const { secretMounts } = await prisma.container.findUniqueOrThrow({
    where: { uuid },
    select: { secretMounts: true },
  });
  return ctx.secrets.openMounts(secretMounts);
}

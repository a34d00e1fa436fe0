import { forbidden, notFound } from '../errors.js';
import { formatV2 } from '../format/token-string.js';
import type { DomainContext } from './context.js';
import { RUNTIME_TOKEN_USER_INACTIVE, runtimeUserActive } from './runtime-identity.js';
import { openSecret } from './tokens.js';
import { containerVisibleWhere } from './visibility.js';

/**
 * containerAuth (design.md §5): the token a container must run with, handed only to the token that
 * holds its lock. A runtime token is re-validated now (its home cluster asked if remote);
 * otherwise the token generated at lock. Returns the token's uuid and its v2 string.
 */
export async function containerAuth(
  ctx: DomainContext,
  uuid: string,
): Promise<{ tokenUuid: string; apiToken: string }> {
  const { prisma, validator, caller } = ctx;
  const c = await prisma.container.findFirst({
    where: { uuid, AND: [containerVisibleWhere(caller)] },
    select: { lockedByUuid: true, authUuid: true, runtimeTokenUuid: true },
  });
  if (!c) throw notFound('Container not found');
  if (!c.lockedByUuid || c.lockedByUuid !== caller.token.uuid) throw forbidden('Not locked by your token');
  if (c.runtimeTokenUuid) {
    // The one path that opens the sealed runtime token: for the lock holder only.
    const stored = await prisma.container.findUniqueOrThrow({
      where: { uuid },
      select: { runtimeToken: true },
    });
    const runtimeToken = ctx.secrets.openToken(stored.runtimeToken);
    const valid = runtimeToken ? await validator.validateRuntimeToken(runtimeToken) : null;
    if (!runtimeToken || !valid) throw forbidden('Invalid runtime_token');
    if (!runtimeUserActive(valid)) throw forbidden(RUNTIME_TOKEN_USER_INACTIVE);
    return { tokenUuid: valid.token.uuid, apiToken: runtimeToken };
  }
  const token = c.authUuid
    ? await prisma.apiClientAuthorization.findUnique({
        where: { uuid: c.authUuid },
        select: { uuid: true, sealedSecret: true },
      })
    : null;
  // The generated token's secret: opened here only, for the lock holder.
  const secret = token && openSecret(ctx.secrets, token);
  if (!token || !secret) throw forbidden('Not locked by your token');
  return { tokenUuid: token.uuid, apiToken: formatV2(token.uuid, secret) };
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

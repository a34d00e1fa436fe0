import type { ValidToken } from '../core/caller.js';
import type { PrismaClient } from '../db/client.js';
import { tokenWithoutSecret } from '../domain/tokens.js';
import { digestSecret } from '../format/salt.js';
import type { RemoteTokenInfo } from './remote-client.js';

/**
 * Stores what a home cluster vouched for, in one transaction: the local copy of the user
 * (never admin here; active, email and full name as the home says, refreshed every time) and
 * the token row, which later requests find with findLocalToken until it expires. Its expiry
 * is the home's, capped at now + TTL, so the home is asked again after at most one TTL.
 */
export async function storeRemoteToken(
  prisma: PrismaClient,
  info: RemoteTokenInfo,
  secret: string,
  ttlSeconds: number,
  now = new Date(),
): Promise<ValidToken> {
  const cap = new Date(now.getTime() + ttlSeconds * 1000);
  const expiresAt = info.expiresAt && info.expiresAt < cap ? info.expiresAt : cap;
  const profile = {
    email: info.user.email,
    fullName: info.user.fullName,
    isActive: info.user.isActive,
    isAdmin: false,
  };
  // The digest of the secret we were handed (raw or salted for us), so only that exact string
  // matches; the secret itself is never needed again, so it is not kept, not even sealed.
  const token = {
    userUuid: info.user.uuid,
    secretDigest: digestSecret(secret),
    sealedSecret: null,
    scopes: info.scopes,
    expiresAt,
    remoteValidatedAt: now,
  };
  // Batch form: one short transaction, no interactive one holding PGlite's single connection.
  const [user, row] = await prisma.$transaction([
    prisma.user.upsert({
      where: { uuid: info.user.uuid },
      create: { uuid: info.user.uuid, ...profile },
      update: profile,
    }),
    prisma.apiClientAuthorization.upsert({
      where: { uuid: info.uuid },
      create: { uuid: info.uuid, ...token },
      update: token,
      select: tokenWithoutSecret,
    }),
  ]);
  return { token: row, user };
}

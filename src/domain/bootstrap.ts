import type { PrismaClient } from '../db/client.js';
import type { SecretBox } from '../format/secret-box.js';
import { parseSystemRootToken, ROOT_SECRET_RULE, weakSecret } from '../format/token-string.js';
import { INFIX } from '../format/uuid.js';
import { createToken, storedSecret } from './tokens.js';
import { ensureSystemUser } from './users.js';

export type RootTokenOutcome =
  | { kind: 'generated'; apiToken: string } // first start without SYSTEM_ROOT_TOKEN: print once
  | { kind: 'configured' } // SYSTEM_ROOT_TOKEN is in force
  | { kind: 'existing' }; // generated on an earlier start; not printed again

/** The well-known uuid of the system root token. */
export function rootTokenUuid(clusterId: string): string {
  return `${clusterId}-${INFIX.token}-000000000000000`;
}

/**
 * Ensures the system user and its root token. SYSTEM_ROOT_TOKEN may be a v2 string (its uuid
 * must be ours) or a bare secret; unset, a token is generated once and kept in the database.
 */
export async function bootstrapSystem(
  prisma: PrismaClient,
  secrets: SecretBox,
  clusterId: string,
  systemRootToken: string | undefined,
): Promise<RootTokenOutcome> {
  return prisma.$transaction(async (tx) => {
    const user = await ensureSystemUser(tx, clusterId);
    if (systemRootToken) {
      // loadConfig checked this already; bootstrapSystem may also be called without it.
      const parsed = parseSystemRootToken(systemRootToken, clusterId);
      if (!parsed) {
        throw new Error(
          `Invalid configuration: SYSTEM_ROOT_TOKEN must be a v2 token of cluster ${clusterId} or a bare secret`,
        );
      }
      if (weakSecret(parsed.secret))
        throw new Error(`Invalid configuration: SYSTEM_ROOT_TOKEN is too weak: ${ROOT_SECRET_RULE}`);
      const uuid = parsed.version === 2 ? parsed.uuid : rootTokenUuid(clusterId);
      const secret = storedSecret(secrets, parsed.secret);
      await tx.apiClientAuthorization.upsert({
        where: { uuid },
        create: { uuid, userUuid: user.uuid, ...secret, scopes: ['all'] },
        update: { userUuid: user.uuid, ...secret, scopes: ['all'], expiresAt: null },
      });
      return { kind: 'configured' };
    }
    const uuid = rootTokenUuid(clusterId);
    if (await tx.apiClientAuthorization.findUnique({ where: { uuid }, select: { uuid: true } }))
      return { kind: 'existing' };
    const { apiToken } = await createToken(tx, secrets, clusterId, { userUuid: user.uuid, uuid });
    return { kind: 'generated', apiToken };
  });
}

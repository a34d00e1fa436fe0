import { type Db, Prisma } from '../db/client.js';
import { isSealed, type SecretBox } from '../format/secret-box.js';

// The tables whose secret columns are sealed (runtime_token, secret_mounts); token secrets below.
const TABLES = ['container_requests', 'containers'] as const;

/**
 * Seals every live secret not sealed with the box's current key — sealed with an older key of
 * the box, or stored in the clear before encryption — with the current key. Each row is
 * rewritten only if it still holds what was read (a scrub may have won meanwhile). Returns how
 * many rows were rewritten.
 */
export async function resealSecrets(db: Db, box: SecretBox): Promise<number> {
  let rewritten = 0;
  for (const table of TABLES) {
    const rows = await db.$queryRawUnsafe<
      { uuid: string; runtime_token: string | null; secret_mounts: unknown }[]
    >(
      `SELECT uuid, runtime_token, secret_mounts FROM ${table} WHERE runtime_token IS NOT NULL OR secret_mounts <> '{}'::jsonb`,
    );
    for (const row of rows) {
      const token = row.runtime_token;
      const mounts = row.secret_mounts;
      const newToken =
        token === null || (isSealed(token) && box.isCurrent(token)) ? token : box.seal(box.openToken(token)!);
      const newMounts =
        isSealed(mounts) && box.isCurrent(mounts) ? mounts : box.sealMounts(box.openMounts(mounts));
      if (newToken === token && newMounts === mounts) continue;
      rewritten += await db.$executeRawUnsafe(
        `UPDATE ${table} SET runtime_token = $2, secret_mounts = $3::jsonb
          WHERE uuid = $1 AND runtime_token IS NOT DISTINCT FROM $4 AND secret_mounts = $5::jsonb`,
        row.uuid,
        newToken,
        JSON.stringify(newMounts),
        token,
        JSON.stringify(mounts),
      );
    }
  }
  return rewritten + (await resealTokenSecrets(db, box));
}

/**
 * Seals every local token's secret (api_client_authorizations.sealed_secret) not sealed with
 * the box's current key; `clearOnly`: only those still in the clear (what the migration to
 * secret digests moved over; sealed at start-up). Rewritten only if unchanged meanwhile (another
 * gateway starting at once). Returns how many rows were rewritten.
 */
export async function resealTokenSecrets(
  db: Db,
  box: SecretBox,
  opts: { clearOnly?: boolean } = {},
): Promise<number> {
  const rows = await db.$queryRaw<{ uuid: string; sealed_secret: string }[]>`
    SELECT uuid, sealed_secret FROM api_client_authorizations WHERE sealed_secret IS NOT NULL
    ${opts.clearOnly ? Prisma.sql`AND sealed_secret NOT LIKE 'sb1.%'` : Prisma.empty}`;
  let rewritten = 0;
  for (const { uuid, sealed_secret: stored } of rows) {
    if (isSealed(stored) && (opts.clearOnly || box.isCurrent(stored))) continue;
    rewritten += await db.$executeRaw`
      UPDATE api_client_authorizations SET sealed_secret = ${box.seal(box.openToken(stored)!)}
       WHERE uuid = ${uuid} AND sealed_secret = ${stored}`;
  }
  return rewritten;
}

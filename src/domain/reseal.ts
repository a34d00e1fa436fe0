import type { Db } from '../db/client.js';
import { isSealed, type SecretBox } from '../format/secret-box.js';

// The tables whose secret columns are sealed (runtime_token, secret_mounts).
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
  return rewritten;
}

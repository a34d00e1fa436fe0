// The baselines the gateway's throughput is compared with, built from the project's own
// dependencies: a yoga + Pothos server with no database (A: a static field) and the same server
// with one mutation doing one `pg` INSERT into the gateway's `containers` table (B). What the
// gateway costs beyond them is ours (Prisma, the domain rules, authentication).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import pg from 'pg';
import { newUuid } from '../src/format/uuid.js';

export interface BaselineServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (on port `listenOn`, 0 for any) with a pool of `poolSize` connections to
 * `databaseUrl` for baseline B; without one, only A (bench/bare-server.ts: no database at all).
 */
export async function startBaselineServer(
  databaseUrl: string | null,
  poolSize = 10,
  listenOn = 0,
): Promise<BaselineServer> {
  const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: poolSize }) : null;
  // The gateway's plugins declare their options for every builder of this program; this one uses none.
  const builder = new SchemaBuilder({} as ConstructorParameters<typeof SchemaBuilder>[0]);
  const Me = builder.objectRef<{ uuid: string; isAdmin: boolean }>('Me').implement({
    fields: (t) => ({ uuid: t.exposeString('uuid'), isAdmin: t.exposeBoolean('isAdmin') }),
  });
  builder.queryType({
    fields: (t) => ({
      // A: what `{ me { uuid isAdmin } }` would answer with no token check and no database.
      static: t.field({ type: Me, resolve: () => ({ uuid: 'zzzzz-tpzed-000000000000000', isAdmin: true }) }),
    }),
  });
  if (pool)
    builder.mutationType({
      fields: (t) => ({
        // B: one INSERT of a queued container (every column the gateway's commit fills that has no default).
        insertContainer: t.string({
          args: { command: t.arg.stringList({ required: true }) },
          resolve: async (_root, args) => {
            const uuid = newUuid('zzzzz', 'container');
            const r = await pool!.query<{ uuid: string }>(
              `INSERT INTO containers (uuid, state, priority, command, container_image, cwd, output_path,
               runtime_user_uuid, runtime_auth_scopes, secret_mounts_md5, reuse_hash)
             VALUES ($1, 'QUEUED', 1, $2, 'img', '.', '/out', 'zzzzz-tpzed-000000000000000', ARRAY['all'],
               md5('{}'), md5($1)) RETURNING uuid`,
              [uuid, args.command],
            );
            return r.rows[0]!.uuid;
          },
        }),
      }),
    });
  const yoga = createYoga({ schema: builder.toSchema(), logging: false });
  const server = http.createServer(yoga);
  await new Promise<void>((resolve) => server.listen(listenOn, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool?.end();
    },
  };
}

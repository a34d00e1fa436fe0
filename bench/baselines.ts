// The baselines the gateway's throughput is compared with, built from the project's own
// dependencies: a yoga + Pothos server with no database (A: a static field) and the same server
// with one mutation doing one `pg` INSERT into the gateway's `containers` table (B). What the
// gateway costs beyond them is ours (Prisma, the domain rules, authentication).
// C, the floor of a commit: the same server sending, through plain `pg`, the statements a commit
// cannot do without, the gateway's own SQL (the token's SELECT, its row kept as long as the
// gateway keeps it; then BEGIN, the reuse lock, the commit statement prepared as the gateway
// prepares it, COMMIT): what a commit costs on this stack with no Prisma and no other rules.
// D, the floor of containerAuth: the same server reading the token as C does, then sending
// containerAuth's own statement (the container joined with its generated token) through `pg`
// and opening the secret: what handing a dispatcher its container's token costs at least.
import pg from 'pg';
import { TokenRowCache } from '../src/auth/token-cache.js';
import type { Prisma } from '../src/db/client.js';
import { prepared, preparedStatementName } from '../src/db/prepared.js';
import { type CommittingRequest, commitStatementSql, reuseKey, reuseLockSql } from '../src/domain/commit.js';
import { type ContainerAuthRow, containerAuthSql } from '../src/domain/container-auth.js';
import { type TokenUserRow, tokenRowSql, validTokenOf } from '../src/domain/tokens.js';
import type { SecretBox } from '../src/format/secret-box.js';
import { formatV2, parseToken, tokenFromAuthorizationHeader } from '../src/format/token-string.js';
import { newUuid } from '../src/format/uuid.js';
import { postgresChangeFeed } from '../src/server/change-feed.js';
import { addStaticField, type BaselineServer, baselineBuilder, serveBaseline } from './static-baseline.js';

export type { BaselineServer };

/** What floor C needs of the gateway: its cluster id, its secrets key, how long it keeps a token's row. */
export interface FloorOptions {
  clusterId: string;
  secrets: SecretBox;
  tokenCacheSeconds: number;
}

/** A `Prisma.sql` statement through plain `pg` (its `$n` text and its values), named as the gateway names it. */
const run = <R extends pg.QueryResultRow>(db: pg.Pool | pg.PoolClient, sql: Prisma.Sql) =>
  db.query<R>({
    name: preparedStatementName({ sql: sql.text }) || undefined,
    text: sql.text,
    values: sql.values as unknown[],
  });

/**
 * Listens on 127.0.0.1 (on port `listenOn`, 0 for any) with a pool of `poolSize` connections to
 * `databaseUrl` for baseline B (and C with `floor`); without one, only A.
 */
export async function startBaselineServer(
  databaseUrl: string | null,
  poolSize = 10,
  listenOn = 0,
  floor?: FloorOptions,
): Promise<BaselineServer> {
  const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: poolSize }) : null;
  // An idle connection the server ends (the scratch database dropped WITH (FORCE) at the end of
  // a part) is an 'error' on the pool: without a listener it ended the whole bench run.
  pool?.on('error', () => {});
  const builder = baselineBuilder();
  const Committed = builder.objectRef<{ uuid: string; containerUuid: string }>('Committed').implement({
    fields: (t) => ({ uuid: t.exposeString('uuid'), containerUuid: t.exposeString('containerUuid') }),
  });
  addStaticField(builder); // A (bench/static-baseline.ts)
  // C and D read a token's row as the gateway does: at most once per TOKEN_CACHE_SECONDS.
  const tokens = new TokenRowCache((floor?.tokenCacheSeconds ?? 0) * 1000);
  if (pool && floor) {
    const Auth = builder.objectRef<{ uuid: string; apiToken: string }>('Auth').implement({
      fields: (t) => ({ uuid: t.exposeString('uuid'), apiToken: t.exposeString('apiToken') }),
    });
    builder.queryFields((t) => ({
      // D: containerAuth of a container locked by the caller's token, its statement through pg.
      containerAuthFloor: t.field({
        type: Auth,
        args: { uuid: t.arg.string({ required: true }) },
        resolve: (_root, args, ctx) =>
          containerAuthFloor(pool, floor, tokens, ctx as { request: Request }, args.uuid),
      }),
    }));
  }
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
        // C: a commit (new container) as the gateway's statements, with nothing else around them.
        ...(floor
          ? {
              commitFloor: t.field({
                type: Committed,
                args: { command: t.arg.stringList({ required: true }) },
                // yoga's context carries the HTTP request (its Authorization header).
                resolve: (_root, args, ctx) =>
                  commitFloor(pool!, floor, tokens, ctx as { request: Request }, args.command),
              }),
            }
          : {}),
      }),
    });
  return serveBaseline(builder, listenOn, async () => pool?.end());
}

/** The gateway's one authentication statement (unless its row is still kept), and its checks. */
async function authenticateFloor(pool: pg.Pool, tokens: TokenRowCache, request: Request) {
  const parsed = parseToken(tokenFromAuthorizationHeader(request.headers.get('authorization')) ?? '');
  if (!parsed) throw new Error('no token');
  const cacheKey = TokenRowCache.keyOf(parsed);
  const kept = tokens.get(cacheKey);
  const row = kept ?? (await run<TokenUserRow>(pool, prepared(tokenRowSql(parsed)))).rows[0];
  const valid = validTokenOf(row, parsed);
  if (!valid || !row) throw new Error('invalid token');
  if (!kept) tokens.set(cacheKey, row);
  return valid;
}

async function containerAuthFloor(
  pool: pg.Pool,
  { secrets }: FloorOptions,
  tokens: TokenRowCache,
  { request }: { request: Request },
  uuid: string,
): Promise<{ uuid: string; apiToken: string }> {
  const valid = await authenticateFloor(pool, tokens, request);
  const sql = prepared(containerAuthSql(uuid, valid.token.uuid));
  const [c] = (await run<ContainerAuthRow>(pool, sql)).rows;
  const secret = c?.locked_by_uuid === valid.token.uuid && c.uuid ? secrets.openToken(c.sealed_secret) : null;
  if (!c?.uuid || !secret) throw new Error('not locked by this token');
  return { uuid: c.uuid, apiToken: formatV2(c.uuid, secret) };
}

async function commitFloor(
  pool: pg.Pool,
  { clusterId, secrets }: FloorOptions,
  tokens: TokenRowCache,
  { request }: { request: Request },
  command: string[],
): Promise<{ uuid: string; containerUuid: string }> {
  const valid = await authenticateFloor(pool, tokens, request);
  const cr: CommittingRequest = {
    uuid: newUuid(clusterId, 'containerRequest'),
    command,
    containerImage: 'img',
    cwd: '.',
    environment: {},
    mounts: {},
    outputPath: '/out',
    runtimeConstraints: { vcpus: 1, ram: 1000 },
    schedulingParameters: {},
    priority: 1,
    useExisting: true,
    secretMounts: secrets.sealMounts({}),
    requestingContainerUuid: null,
    createdAt: new Date(),
  };
  const identity = {
    runtimeUserUuid: valid.user.uuid,
    runtimeAuthScopes: ['all'],
    runtimeToken: null,
    runtimeTokenUuid: null,
  };
  const key = reuseKey(cr, identity, secrets);
  const insert = {
    ownerUuid: valid.user.uuid,
    name: null,
    description: null,
    properties: {},
    containerCountMax: 3,
    runtimeToken: null,
  };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const lock = reuseLockSql(cr, key.md5);
    await client.query(`SELECT ${lock.text}::text`, lock.values);
    const sql = prepared(
      commitStatementSql(
        { cr, key, identity, parentPriority: null, insert, notify: postgresChangeFeed().notifySql },
        secrets,
      ),
    );
    const { rows: committed } = await run<{ uuid: string }>(client, sql);
    await client.query('COMMIT');
    return { uuid: cr.uuid, containerUuid: committed[0]!.uuid };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

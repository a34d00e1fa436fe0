// Token secrets at rest, for a database made before them: the migration to secret digests
// (prisma/migrations/*_token_secret_digest) converts the rows the earlier migrations left (a
// clear `secret` column), and the gateway's start seals what it moved over. Every kind of token
// keeps working: v2, v1 (by digest), its salted form for a remote cluster; a cached remote
// token keeps its digest only.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { MIGRATIONS_DIR } from '../../src/db/migrations.js';
import { digestSecret, saltSecret } from '../../src/format/salt.js';
import { keyId, SecretBox } from '../../src/format/secret-box.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { Logger } from '../../src/server/logger.js';
import { freshDatabase } from '../helpers/backends.js';
import { eachBackend, TEST_SECRETS_KEY } from '../helpers/gateway.js';

const MIGRATION = fs.readdirSync(MIGRATIONS_DIR).find((d) => d.endsWith('_token_secret_digest'))!;

// The table as the earlier migrations left it (init: a clear secret column and its index).
const BEFORE = [
  'DROP INDEX "api_client_authorizations_secret_digest_idx"',
  'ALTER TABLE "api_client_authorizations" DROP COLUMN "secret_digest"',
  'DELETE FROM "api_client_authorizations"',
  'ALTER TABLE "api_client_authorizations" RENAME COLUMN "sealed_secret" TO "secret"',
  'ALTER TABLE "api_client_authorizations" ALTER COLUMN "secret" SET NOT NULL',
  'CREATE INDEX "api_client_authorizations_secret_idx" ON "api_client_authorizations"("secret")',
];

/** The migration's statements (no function bodies in it: `;` ends each). */
function statements(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

const LOCAL = 'zzzzz-gj3su-migratedlocal01';
const LOCAL_SECRET = 'migratedlocalsecret0123456789abcdefghijklmnopqrstu';
const REMOTE = 'aaaaa-gj3su-migratedremote1';
const REMOTE_SECRET = 'migratedremotesecret0123456789abcdefghijklmnopqrs';
const USER = 'zzzzz-tpzed-migrateduser001';
const REMOTE_USER = 'aaaaa-tpzed-migrateduser001';

eachBackend('the migration to token secret digests', (backend) => {
  let db: Database;
  let gateway: Gateway | undefined;
  const run = (q: string, ...params: unknown[]) => db.prisma.$executeRawUnsafe(q, ...params);
  const gql = async (query: string, token: string, headers: Record<string, string> = {}) => {
    const res = await gateway!.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as {
      data?: Record<string, { uuid?: string; userUuid?: string }>;
      errors?: unknown[];
    };
  };

  beforeAll(async () => {
    db = await freshDatabase(backend);
    for (const q of BEFORE) await run(q);
    await run(
      `INSERT INTO users (uuid, email, is_active, modified_at) VALUES ($1, 'm@example.com', true, now()), ($2, 'r@example.com', true, now())`,
      USER,
      REMOTE_USER,
    );
    await run(
      `INSERT INTO api_client_authorizations (uuid, user_uuid, secret, remote_validated_at)
       VALUES ($1, $2, $3, NULL), ($4, $5, $6, now())`,
      LOCAL,
      USER,
      LOCAL_SECRET,
      REMOTE,
      REMOTE_USER,
      REMOTE_SECRET,
    );
    for (const q of statements(path.join(MIGRATIONS_DIR, MIGRATION, 'migration.sql'))) await run(q);
  });
  afterAll(async () => {
    await gateway?.close();
    await db?.close();
  });

  const row = async (uuid: string) =>
    (
      await db.prisma.$queryRawUnsafe<{ secret_digest: string; sealed_secret: string | null }[]>(
        'SELECT secret_digest, sealed_secret FROM api_client_authorizations WHERE uuid = $1',
        uuid,
      )
    )[0]!;

  test('digests every secret; a cached remote token keeps no secret', async () => {
    expect(await row(LOCAL)).toEqual({
      secret_digest: digestSecret(LOCAL_SECRET),
      sealed_secret: LOCAL_SECRET,
    });
    expect(await row(REMOTE)).toEqual({ secret_digest: digestSecret(REMOTE_SECRET), sealed_secret: null });
  });

  test("the gateway's start seals what the migration moved over, and the token works in every form", async () => {
    gateway = await createGateway(
      loadConfig({
        TOKEN_SWEEP_SECONDS: '0',
        SECRETS_KEY: TEST_SECRETS_KEY,
        // Nothing listens there: the cached copy must answer by itself.
        REMOTE_CLUSTERS: 'aaaaa=http://127.0.0.1:9/graphql',
      }),
      {
        db,
        logger: new Logger(() => {}),
      },
    );
    const sealed = (await row(LOCAL)).sealed_secret!;
    expect(sealed.startsWith(`sb1.${keyId(Buffer.from(TEST_SECRETS_KEY, 'hex'))}.`)).toBe(true);
    expect(new SecretBox([Buffer.from(TEST_SECRETS_KEY, 'hex')]).open(sealed)).toBe(LOCAL_SECRET);

    const me = '{ me { uuid } }';
    expect((await gql(me, `v2/${LOCAL}/${LOCAL_SECRET}`)).data?.me?.uuid).toBe(USER);
    expect((await gql(me, LOCAL_SECRET)).data?.me?.uuid).toBe(USER); // v1: found by its digest
    const salted = `v2/${LOCAL}/${saltSecret(LOCAL_SECRET, 'bbbbb')}`;
    const asked = await gql('{ currentApiClientAuthorization { userUuid } }', salted, {
      'x-arvados-remote-cluster': 'bbbbb',
    });
    expect(asked.data?.currentApiClientAuthorization?.userUuid).toBe(USER);
    // The cached remote copy answers by its digest until it expires (no v1 for it).
    expect((await gql(me, `v2/${REMOTE}/${REMOTE_SECRET}`)).data?.me?.uuid).toBe(REMOTE_USER);
    expect((await gql(me, `v2/${LOCAL}/${REMOTE_SECRET}`)).errors).toBeDefined();
  });
});

import { ClusterTokenValidator } from '../../src/auth/validate.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { bootstrapSystem, rootTokenUuid } from '../../src/domain/bootstrap.js';
import { SecretBox } from '../../src/format/secret-box.js';
import { createGateway } from '../../src/server/app.js';
import { Logger } from '../../src/server/logger.js';
import { freshDatabase } from '../helpers/backends.js';
import { eachBackend, TEST_SECRETS_KEY } from '../helpers/gateway.js';

const SYSTEM_USER = 'zzzzz-tpzed-000000000000000';
const V2_ROOT = 'v2/zzzzz-gj3su-r00tr00tr00tr00/abcdefghijklmnopqrstuvwxyz0123456789';
const BARE_ROOT = 'thebareroottokensecret0123456789abcdef';

// bootstrapSystem runs before any gateway exists, so these tests work on a database directly;
// the gateway is built on it afterwards to check the end-to-end effect.
eachBackend('system bootstrap', (backend) => {
  let db: Database;
  const config = loadConfig({ TOKEN_SWEEP_SECONDS: '0' });
  const box = new SecretBox([Buffer.from(TEST_SECRETS_KEY, 'hex')]);
  const validator = () => new ClusterTokenValidator(db.prisma, config, null, box);

  beforeAll(async () => {
    db = await freshDatabase(backend);
  });
  afterAll(async () => {
    await db?.close();
  });

  test('without SYSTEM_ROOT_TOKEN a root token is generated once, then reported as existing', async () => {
    const first = await bootstrapSystem(db.prisma, box, 'zzzzz', undefined);
    expect(first.kind).toBe('generated');
    const apiToken = (first as { apiToken: string }).apiToken;
    expect(apiToken).toMatch(new RegExp(`^v2/${rootTokenUuid('zzzzz')}/[0-9a-z]{50}$`));
    expect(await bootstrapSystem(db.prisma, box, 'zzzzz', undefined)).toEqual({ kind: 'existing' });

    const caller = await validator().authenticate(apiToken);
    expect(caller.user).toMatchObject({ uuid: SYSTEM_USER, isAdmin: true, isActive: true });
    expect(caller.token.scopes).toEqual(['all']);
    expect(await db.prisma.user.count({ where: { uuid: SYSTEM_USER } })).toBe(1);
  });

  test('the system user is made admin and active again at every start', async () => {
    await db.prisma.user.update({ where: { uuid: SYSTEM_USER }, data: { isAdmin: false, isActive: false } });
    await bootstrapSystem(db.prisma, box, 'zzzzz', undefined);
    expect(await db.prisma.user.findUnique({ where: { uuid: SYSTEM_USER } })).toMatchObject({
      isAdmin: true,
      isActive: true,
    });
  });

  test('SYSTEM_ROOT_TOKEN as a v2 string authenticates as the system user', async () => {
    expect(await bootstrapSystem(db.prisma, box, 'zzzzz', V2_ROOT)).toEqual({ kind: 'configured' });
    const caller = await validator().authenticate(V2_ROOT);
    expect(caller.user.uuid).toBe(SYSTEM_USER);
    expect(caller.token.uuid).toBe('zzzzz-gj3su-r00tr00tr00tr00');
    // Its secret also works as a v1 token.
    expect((await validator().authenticate(V2_ROOT.split('/')[2]!)).user.uuid).toBe(SYSTEM_USER);
  });

  test('SYSTEM_ROOT_TOKEN as a bare secret authenticates as the system user, and a restart keeps it working', async () => {
    expect(await bootstrapSystem(db.prisma, box, 'zzzzz', BARE_ROOT)).toEqual({ kind: 'configured' });
    expect(await bootstrapSystem(db.prisma, box, 'zzzzz', BARE_ROOT)).toEqual({ kind: 'configured' });
    const caller = await validator().authenticate(BARE_ROOT);
    expect(caller.user.uuid).toBe(SYSTEM_USER);
    // It took over the well-known root token: its v2 form works as well.
    expect(caller.token.uuid).toBe(rootTokenUuid('zzzzz'));
    expect((await validator().authenticate(`v2/${rootTokenUuid('zzzzz')}/${BARE_ROOT}`)).user.uuid).toBe(
      SYSTEM_USER,
    );
  });

  test('a configured root token that had expired is renewed', async () => {
    await db.prisma.apiClientAuthorization.update({
      where: { uuid: rootTokenUuid('zzzzz') },
      data: { expiresAt: new Date(Date.now() - 1000), scopes: ['query:me'] },
    });
    await bootstrapSystem(db.prisma, box, 'zzzzz', BARE_ROOT);
    const caller = await validator().authenticate(BARE_ROOT);
    expect(caller.token).toMatchObject({ expiresAt: null, scopes: ['all'] });
  });

  test.each([
    ['a v2 token of another cluster', 'v2/aaaaa-gj3su-0123456789abcde/abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a container-bound token', `${V2_ROOT}/zzzzz-dz642-0123456789abcde`],
    ['something that is no token', 'not a token!'],
    ['a secret too weak for an admin', 'a'],
    ['a v2 token with a weak secret', 'v2/zzzzz-gj3su-r00tr00tr00tr00/secretsecretsecretsecretsecret12'],
  ])('%s is refused, and creates no token', async (_name, raw) => {
    const before = await db.prisma.apiClientAuthorization.count();
    await expect(bootstrapSystem(db.prisma, box, 'zzzzz', raw)).rejects.toThrow(/SYSTEM_ROOT_TOKEN/);
    expect(await db.prisma.apiClientAuthorization.count()).toBe(before);
    // loadConfig refuses it first, naming the variable.
    expect(() => loadConfig({ SYSTEM_ROOT_TOKEN: raw })).toThrow(
      /^Invalid configuration: SYSTEM_ROOT_TOKEN /,
    );
  });

  test('a gateway started with SYSTEM_ROOT_TOKEN answers me as the system user over GraphQL', async () => {
    const gateway = await createGateway(
      loadConfig({ TOKEN_SWEEP_SECONDS: '0', SYSTEM_ROOT_TOKEN: V2_ROOT, SECRETS_KEY: TEST_SECRETS_KEY }),
      { db, logger: new Logger(() => {}) },
    );
    try {
      expect(gateway.rootToken).toEqual({ kind: 'configured' });
      for (const header of [`Bearer ${V2_ROOT}`, `OAuth2 ${BARE_ROOT}`]) {
        const res = await gateway.yoga.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: header },
          body: JSON.stringify({ query: '{ me { uuid isAdmin } }' }),
        });
        expect(await res.json()).toEqual({ data: { me: { uuid: SYSTEM_USER, isAdmin: true } } });
      }
    } finally {
      await gateway.close();
    }
  });
});

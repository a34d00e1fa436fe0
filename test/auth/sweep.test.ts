import { createToken, expireToken, sweepExpiredTokens } from '../../src/domain/tokens.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';

describeBackends('expired-token sweep', (gw) => {
  test('deletes expired rows only', async () => {
    const { prisma } = gw().gateway.services.db;
    const { uuid: userUuid } = await gw().newUser();
    const now = new Date();
    const make = async (expiresAt: Date | null) =>
      (await createToken(prisma, gw().gateway.services.secrets, 'zzzzz', { userUuid, expiresAt })).token.uuid;
    const expiredLongAgo = await make(new Date(now.getTime() - 86_400_000));
    const expiredJustNow = await make(new Date(now.getTime() - 1));
    const expiresAtNow = await make(now);
    const expiresSoon = await make(new Date(now.getTime() + 60_000));
    const never = await make(null);
    const before = await prisma.apiClientAuthorization.count();

    expect(await sweepExpiredTokens(prisma, now)).toBe(3);
    const left = new Set(
      (await prisma.apiClientAuthorization.findMany({ select: { uuid: true } })).map((t) => t.uuid),
    );
    for (const gone of [expiredLongAgo, expiredJustNow, expiresAtNow]) expect(left.has(gone)).toBe(false);
    for (const kept of [expiresSoon, never, 'zzzzz-gj3su-000000000000000']) expect(left.has(kept)).toBe(true);
    expect(left.size).toBe(before - 3);
    // Users are untouched, and a second sweep finds nothing.
    expect(await prisma.user.count({ where: { uuid: userUuid } })).toBe(1);
    expect(await sweepExpiredTokens(prisma, now)).toBe(0);
  });

  test('a token expired with expireToken stays until the sweep, and is invalid meanwhile', async () => {
    const { prisma } = gw().gateway.services.db;
    const user = await gw().newUser();
    const { token, apiToken } = await createToken(prisma, gw().gateway.services.secrets, 'zzzzz', {
      userUuid: user.uuid,
    });
    await expireToken(prisma, token.uuid);
    expect(await prisma.apiClientAuthorization.count({ where: { uuid: token.uuid } })).toBe(1);
    expect(errorCode(await gw().gql('{ me { uuid } }', {}, apiToken))).toBe('UNAUTHENTICATED');
    expect(await sweepExpiredTokens(prisma)).toBe(1);
    expect(await prisma.apiClientAuthorization.count({ where: { uuid: token.uuid } })).toBe(0);
  });
});

describeBackends(
  'the sweep timer',
  (gw) => {
    test('runs every TOKEN_SWEEP_SECONDS', async () => {
      const { prisma } = gw().gateway.services.db;
      const user = await gw().newUser();
      const { token } = await createToken(prisma, gw().gateway.services.secrets, 'zzzzz', {
        userUuid: user.uuid,
        expiresAt: new Date(Date.now() - 1000),
      });
      const deadline = Date.now() + 5000;
      while ((await prisma.apiClientAuthorization.count({ where: { uuid: token.uuid } })) > 0) {
        if (Date.now() > deadline) throw new Error('the expired token was not swept within 5 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(gw().logs.some((l) => l.includes('swept expired tokens'))).toBe(true);
    });
  },
  { TOKEN_SWEEP_SECONDS: '1' },
);

import type { Caller } from '../../src/core/caller.js';
import { checkScopes, clampExpiry, issueToken, MAX_SCOPES } from '../../src/domain/token-issuance.js';
import { errorCode } from '../../src/errors.js';
import { describeBackends } from '../helpers/gateway.js';

/** The error a call throws, as code and field; null when it does not throw. */
async function refusal(p: Promise<unknown>): Promise<{ code?: string; field?: unknown } | null> {
  try {
    await p;
    return null;
  } catch (err) {
    return { code: errorCode(err), field: (err as { extensions?: { field?: unknown } }).extensions?.field };
  }
}

describe('checkScopes', () => {
  test('defaults to all, and takes 1 to MAX_SCOPES valid scopes', () => {
    expect(checkScopes(undefined)).toEqual(['all']);
    expect(checkScopes(null)).toEqual(['all']);
    const many = Array.from({ length: MAX_SCOPES }, (_, i) => `query:f${i}`);
    expect(checkScopes(many)).toBe(many);
  });

  test.each([
    ['none', []],
    ['one too many', Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `query:f${i}`)],
    ['a malformed one', ['query:me', 'GET /arvados/v1/users']],
    ['an unknown root', ['schema:*']],
  ])('%s is BAD_USER_INPUT naming scopes', (_what, scopes) => {
    let thrown: unknown;
    try {
      checkScopes(scopes);
    } catch (err) {
      thrown = err;
    }
    expect(errorCode(thrown)).toBe('BAD_USER_INPUT');
    expect((thrown as { extensions: { field: string } }).extensions.field).toBe('scopes');
  });
});

describe('clampExpiry: a minted token never outlives its maker', () => {
  const [early, late] = [new Date('2030-01-01T00:00:00Z'), new Date('2031-01-01T00:00:00Z')];
  test.each([
    ['a maker that never expires: what was asked', null, early, early],
    ['a maker that never expires, nothing asked: never', null, null, null],
    ["nothing asked: the maker's expiry", early, null, early],
    ["later than the maker: the maker's expiry", early, late, early],
    ['earlier than the maker: what was asked', late, early, early],
  ])('%s', (_what, maker, asked, expected) => {
    expect(clampExpiry(asked, maker)).toEqual(expected);
  });
});

describeBackends('issueToken', (gw) => {
  const db = () => gw().gateway.services.db.prisma;
  const secrets = () => gw().gateway.services.secrets;
  const callerOf = (token: string): Promise<Caller> => gw().gateway.services.validator.authenticate(token);
  const count = () => db().apiClientAuthorization.count();

  test("a caller's own token: default scopes all, no expiry, its user", async () => {
    const u = await gw().newUser();
    const issued = await issueToken(db(), secrets(), 'zzzzz', { caller: await callerOf(u.token) }, {});
    expect(issued.token).toMatchObject({ userUuid: u.uuid, scopes: ['all'], expiresAt: null });
    expect(issued.user).toEqual({ uuid: u.uuid, isActive: true });
    expect(issued.apiToken).toMatch(new RegExp(`^v2/${issued.token.uuid}/[0-9a-z]{50}$`));
    expect((await callerOf(issued.apiToken)).user.uuid).toBe(u.uuid);
  });

  test('scopes are stored without duplicates, sorted', async () => {
    const u = await gw().newUser();
    const { token } = await issueToken(
      db(),
      secrets(),
      'zzzzz',
      { caller: await callerOf(u.token) },
      { scopes: ['query:me', 'mutation:*', 'query:me'] },
    );
    expect(token.scopes).toEqual(['mutation:*', 'query:me']);
  });

  test('another user: FORBIDDEN to a non-admin, NOT_FOUND for an unknown user, fine for an admin', async () => {
    const u = await gw().newUser();
    const other = await gw().newUser();
    const admin = await gw().newUser({ isAdmin: true });
    const before = await count();
    expect(
      await refusal(
        issueToken(db(), secrets(), 'zzzzz', { caller: await callerOf(u.token) }, { userUuid: other.uuid }),
      ),
    ).toEqual({ code: 'FORBIDDEN', field: undefined });
    const asAdmin = { caller: await callerOf(admin.token) };
    expect(
      await refusal(
        issueToken(db(), secrets(), 'zzzzz', asAdmin, { userUuid: 'zzzzz-tpzed-0123456789abcde' }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(await count()).toBe(before);
    const { token } = await issueToken(db(), secrets(), 'zzzzz', asAdmin, { userUuid: other.uuid });
    expect(token.userUuid).toBe(other.uuid);
  });

  test('a token may only issue scopes its own cover', async () => {
    const narrow = await gw().newUser({ scopes: ['query:*'] });
    const caller = { caller: await callerOf(narrow.token) };
    const before = await count();
    expect(await refusal(issueToken(db(), secrets(), 'zzzzz', caller, { scopes: ['all'] }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(
      await refusal(issueToken(db(), secrets(), 'zzzzz', caller, { scopes: ['mutation:x'] })),
    ).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await count()).toBe(before);
    const { token } = await issueToken(db(), secrets(), 'zzzzz', caller, { scopes: ['query:me'] });
    expect(token.scopes).toEqual(['query:me']);
  });

  test('an expiry must be in the future', async () => {
    const u = await gw().newUser();
    const caller = { caller: await callerOf(u.token) };
    const now = new Date();
    expect(await refusal(issueToken(db(), secrets(), 'zzzzz', caller, { expiresAt: now }, now))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'expiresAt',
    });
    const later = new Date(now.getTime() + 60_000);
    expect(
      (await issueToken(db(), secrets(), 'zzzzz', caller, { expiresAt: later }, now)).token.expiresAt,
    ).toEqual(later);
  });

  test("another cluster's user: FORBIDDEN, to the operator too", async () => {
    const admin = { caller: await callerOf(gw().rootToken) };
    const remoteUser = 'aaaaa-tpzed-0123456789abcde';
    const before = await count();
    expect(
      await refusal(issueToken(db(), secrets(), 'zzzzz', admin, { userUuid: remoteUser })),
    ).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(
      await refusal(issueToken(db(), secrets(), 'zzzzz', { operator: true }, { userUuid: remoteUser })),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count()).toBe(before);
  });

  test('the operator: any local user and scopes, but must name the user', async () => {
    const u = await gw().newUser({ isActive: false });
    const issued = await issueToken(
      db(),
      secrets(),
      'zzzzz',
      { operator: true },
      { userUuid: u.uuid, scopes: ['all'] },
    );
    expect(issued.user).toEqual({ uuid: u.uuid, isActive: false });
    expect(await refusal(issueToken(db(), secrets(), 'zzzzz', { operator: true }, {}))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'userUuid',
    });
  });
});

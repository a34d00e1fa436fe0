// The in-process cache of validated tokens (TOKEN_CACHE_SECONDS, src/auth/token-cache.ts): a
// token revoked (expired or deleted in the database) or whose user is deactivated passes for at
// most the bound, never past its own expiry, and never with a wrong secret. The clock is the
// cache's own (moved by hand), so nothing here waits except the one end-to-end check.
import { TokenRowCache } from '../../src/auth/token-cache.js';
import { ClusterTokenValidator } from '../../src/auth/validate.js';
import { expireToken } from '../../src/domain/tokens.js';
import { errorCode as codeOf } from '../../src/errors.js';
import { parseToken } from '../../src/format/token-string.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends, type TestGateway } from '../helpers/gateway.js';
import { sql } from '../helpers/sql.js';
import { issueToken, secretOf } from '../helpers/tokens.js';

const BOUND_MS = 1_000;

/** A validator on the gateway's database whose cache keeps rows `ttlMs` by a clock the test moves. */
function validatorWithClock(gw: TestGateway, ttlMs = BOUND_MS) {
  const clock = { now: Date.now() };
  const { db, config, secrets } = gw.gateway.services;
  const cache = new TokenRowCache(ttlMs, 10_000, () => clock.now);
  const validator = new ClusterTokenValidator(db.prisma, config, null, secrets, cache);
  const accepted = async (token: string) => {
    try {
      return await validator.authenticate(token);
    } catch (err) {
      expect(codeOf(err)).toBe('UNAUTHENTICATED');
      return null;
    }
  };
  return { clock, cache, accepted };
}

const log: { query: string }[] = [];
const tokenReads = () => log.filter((e) => /api_client_authorizations/.test(e.query)).length;

describeBackends(
  'token cache (TOKEN_CACHE_SECONDS)',
  (gw) => {
    let user: { uuid: string; token: string };
    beforeAll(async () => {
      user = await gw().newUser();
    });

    test('within the bound a validated token is not read again; with a wrong secret it is still refused', async () => {
      const { clock, accepted } = validatorWithClock(gw());
      const t = await issueToken(gw(), user.token);
      log.length = 0;
      expect((await accepted(t.apiToken))?.token.uuid).toBe(t.uuid);
      expect(tokenReads()).toBe(1);
      clock.now += BOUND_MS - 1;
      expect((await accepted(t.apiToken))?.token.uuid).toBe(t.uuid);
      expect(tokenReads()).toBe(1);
      expect(await accepted(t.apiToken.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).toBeNull();
      expect(await accepted(`${t.apiToken}x`)).toBeNull();
    });

    test('a token expired in the database is refused once the bound has passed', async () => {
      const { clock, accepted } = validatorWithClock(gw());
      const t = await issueToken(gw(), user.token);
      expect(await accepted(t.apiToken)).not.toBeNull();
      await expireToken(gw().gateway.services.db.prisma, t.uuid, new Date(clock.now));
      clock.now += BOUND_MS;
      expect(await accepted(t.apiToken)).toBeNull();
    });

    test('a deleted token is refused once the bound has passed; so is a v1 (bare secret) one', async () => {
      const { clock, accepted } = validatorWithClock(gw());
      const t = await issueToken(gw(), user.token);
      expect(await accepted(t.apiToken)).not.toBeNull();
      expect(await accepted(t.secret)).not.toBeNull();
      await sql(gw(), 'DELETE FROM api_client_authorizations WHERE uuid = $1', t.uuid);
      clock.now += BOUND_MS;
      expect(await accepted(t.apiToken)).toBeNull();
      expect(await accepted(t.secret)).toBeNull();
    });

    test("a deactivated user's token shows the user inactive once the bound has passed", async () => {
      const { clock, accepted } = validatorWithClock(gw());
      const other = await gw().newUser();
      expect((await accepted(other.token))?.user.isActive).toBe(true);
      await sql(gw(), 'UPDATE users SET is_active = false WHERE uuid = $1', other.uuid);
      clock.now += BOUND_MS;
      expect((await accepted(other.token))?.user.isActive).toBe(false);
    });

    test("an entry never outlives the token's expiry, however long the bound", async () => {
      const { clock, cache, accepted } = validatorWithClock(gw(), 3_600_000);
      const expiresAt = new Date(clock.now + 60_000);
      const t = await issueToken(gw(), user.token, { expiresAt });
      expect(await accepted(t.apiToken)).not.toBeNull();
      const key = TokenRowCache.keyOf(parseToken(t.apiToken)!);
      clock.now = expiresAt.getTime() - 1;
      expect(cache.get(key)).toBeDefined();
      expect(await accepted(t.apiToken)).not.toBeNull();
      clock.now = expiresAt.getTime();
      expect(cache.get(key)).toBeUndefined();
      expect(await accepted(t.apiToken)).toBeNull();
    });

    test('entries are keyed by uuid or digest, never by the secret', async () => {
      const t = await issueToken(gw(), user.token);
      for (const form of [t.apiToken, t.secret]) {
        const key = TokenRowCache.keyOf(parseToken(form)!);
        expect(key).not.toContain(secretOf(t.apiToken));
      }
    });

    test('the gateway itself: a token expired in the database is refused after TOKEN_CACHE_SECONDS (1 s)', async () => {
      const t = await issueToken(gw(), user.token);
      ok(await gw().gql('{ me { uuid } }', {}, t.apiToken));
      await expireToken(gw().gateway.services.db.prisma, t.uuid);
      await new Promise((r) => setTimeout(r, BOUND_MS + 50));
      expectError(await gw().gql('{ me { uuid } }', {}, t.apiToken), 'UNAUTHENTICATED');
    });
  },
  { TOKEN_CACHE_SECONDS: '1' },
  { log: (e) => log.push(e) },
);

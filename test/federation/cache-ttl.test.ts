// The cache of remote tokens with a 5-second TTL: valid from cache while the home is down,
// invalid once the TTL has run out, valid again when the home is back; a token revoked at
// home stops working after at most one TTL.
import { expireToken } from '../../src/domain/tokens.js';
import { errorCode } from '../helpers/assert.js';
import { eachBackend } from '../helpers/gateway.js';
import { scrape } from '../helpers/metrics.js';
import { secretOf, uuidOf } from '../helpers/tokens.js';
import { dataOf, expectNoSecretsInLogs, homeAndRemote, sleep } from './clusters.js';

const ME = '{ me { uuid } }';
// Short, but long enough that "still within the TTL" holds on a loaded machine (five
// sequential requests took more than 2 s there).
const TTL_SECONDS = 5;

eachBackend(`remote token cache with a short TTL`, (backend) => {
  const secrets: string[] = [];

  const clusters = homeAndRemote(backend, TTL_SECONDS);

  const newUserAtA = async () => {
    const u = await clusters.A.newUser();
    secrets.push(secretOf(u.token));
    return u;
  };
  /** Sleeps until B's cached copy of the token has expired. */
  const untilCacheExpires = async (token: string) => {
    const row = await clusters.B.gateway.services.db.prisma.apiClientAuthorization.findUniqueOrThrow({
      where: { uuid: uuidOf(token) },
    });
    expect(row.expiresAt!.getTime() - row.remoteValidatedAt!.getTime()).toBe(TTL_SECONDS * 1000);
    await sleep(Math.max(0, row.expiresAt!.getTime() - Date.now()) + 20);
  };
  const meAtB = (token: string) => clusters.B.gql(ME, {}, token);
  /** B's count of questions to A, by outcome, from its /metrics. */
  const askedA = async (outcome: 'accepted' | 'refused' | 'failed') =>
    (await scrape(clusters.B)).value('gateway_remote_validations_total', { cluster: 'aaaaa', outcome });

  test('home down: valid from cache within the TTL, invalid after it, valid again when home is back', async () => {
    const accepted = await askedA('accepted');
    const u = await newUserAtA();
    expect(dataOf(await meAtB(u.token), clusters.B).me.uuid).toBe(u.uuid);
    const calls = clusters.slotA.remoteCalls.length;
    expect(await askedA('accepted')).toBe(accepted + 1);
    const failed = await askedA('failed');

    await clusters.slotA.stop();
    try {
      expect(dataOf(await meAtB(u.token), clusters.B).me.uuid).toBe(u.uuid);
      expect(clusters.slotA.remoteCalls.length).toBe(calls);

      await untilCacheExpires(u.token);
      const r = await meAtB(u.token);
      expect(r.errors?.[0]).toMatchObject({
        message: 'Invalid or expired token',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(clusters.B.logs.some((l) => l.includes('"cluster":"aaaaa"') && l.includes('unreachable'))).toBe(
        true,
      );
      expect(await askedA('failed')).toBe(failed + 1);
      expect((await clusters.B.gql(ME)).data.me.uuid).toBe('bbbbb-tpzed-000000000000000');
    } finally {
      await clusters.slotA.start();
    }

    expect(dataOf(await meAtB(u.token), clusters.B).me.uuid).toBe(u.uuid);
    expect(clusters.slotA.remoteCalls.length).toBe(calls + 1);
  });

  test('a token revoked at home stops working at B after at most one TTL', async () => {
    const u = await newUserAtA();
    expect(dataOf(await meAtB(u.token), clusters.B).me.uuid).toBe(u.uuid);
    await expireToken(clusters.A.gateway.services.db.prisma, uuidOf(u.token));
    expect(errorCode(await clusters.A.gql(ME, {}, u.token))).toBe('UNAUTHENTICATED');
    // Still cached at B...
    expect(dataOf(await meAtB(u.token), clusters.B).me.uuid).toBe(u.uuid);
    // ...until the TTL runs out; then home says no.
    await untilCacheExpires(u.token);
    const refused = await askedA('refused');
    expect(errorCode(await meAtB(u.token))).toBe('UNAUTHENTICATED');
    expect(await askedA('refused')).toBe(refused + 1);
    expect(clusters.B.logs.some((l) => l.includes('refused by the home cluster (UNAUTHENTICATED)'))).toBe(
      true,
    );
  });

  test('after the TTL the home is asked again, once per TTL', async () => {
    const u = await newUserAtA();
    const calls = clusters.slotA.remoteCalls.length;
    for (let i = 0; i < 5; i++) expect(dataOf(await meAtB(u.token), clusters.B).me.uuid).toBe(u.uuid);
    expect(clusters.slotA.remoteCalls.length).toBe(calls + 1);
    await untilCacheExpires(u.token);
    for (let i = 0; i < 5; i++) expect(dataOf(await meAtB(u.token), clusters.B).me.uuid).toBe(u.uuid);
    expect(clusters.slotA.remoteCalls.length).toBe(calls + 2);
  });

  test('no log line carries a token secret', () => {
    expectNoSecretsInLogs(clusters.B.logs, secrets);
    expectNoSecretsInLogs(clusters.A.logs, secrets);
  });
});

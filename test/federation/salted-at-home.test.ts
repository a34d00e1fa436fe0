// A salted token (its secret HMAC-salted for remote cluster bbbbb) presented at its home cluster
// with a client-set X-Arvados-Remote-Cluster header: it answers the one question the remote
// cluster asks (currentApiClientAuthorization, as HomeClusterClient asks it) and nothing else.
import { VALIDATION_QUERY } from '../../src/federation/remote-client.js';
import { saltSecret } from '../../src/format/salt.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { secretOf, uuidOf } from '../helpers/tokens.js';

const AS_REMOTE = { 'x-arvados-remote-cluster': 'bbbbb' };
const salted = (token: string) => `v2/${uuidOf(token)}/${saltSecret(secretOf(token), 'bbbbb')}`;

describeBackends('a salted token at its home cluster', (gw) => {
  test('answers currentApiClientAuthorization, exactly as the remote cluster asks it', async () => {
    const u = await gw().newUser();
    const r = await gw().gql(VALIDATION_QUERY, {}, salted(u.token), AS_REMOTE);
    expect(r.errors).toBeUndefined();
    expect(r.data.currentApiClientAuthorization).toMatchObject({
      uuid: uuidOf(u.token),
      scopes: ['all'],
      user: { uuid: u.uuid, isActive: true },
    });
  });

  test('cannot mint a token', async () => {
    const u = await gw().newUser();
    const r = await gw().gql(
      `mutation { createApiClientAuthorization(input: {}) { apiToken } }`,
      {},
      salted(u.token),
      AS_REMOTE,
    );
    expect(errorCode(r)).toBe('FORBIDDEN');
    expect(r.errors![0]!.message).toMatch(/salted.*currentApiClientAuthorization/);
    expect(r.data ?? null).toBeNull();
    const tokens = await gw().gateway.services.db.prisma.apiClientAuthorization.count({
      where: { userUuid: u.uuid },
    });
    expect(tokens).toBe(1);
  });

  test.each([
    ['me', '{ me { uuid } }'],
    ['me beside currentApiClientAuthorization', '{ me { uuid } currentApiClientAuthorization { uuid } }'],
    ['a list', '{ containerRequests(first: 1) { edges { node { uuid } } } }'],
    ['a write', 'mutation { createUser(input: { email: "x@example.com" }) { uuid } }'],
  ])('cannot read or write anything else: %s', async (_name, query) => {
    const u = await gw().newUser({ isAdmin: true });
    const r = await gw().gql(query, {}, salted(u.token), AS_REMOTE);
    expect(errorCode(r)).toBe('FORBIDDEN');
    expect(r.data ?? null).toBeNull();
  });

  test('the token itself keeps working with the header (a remote cluster may send it)', async () => {
    const u = await gw().newUser();
    const r = await gw().gql('{ me { uuid } }', {}, u.token, AS_REMOTE);
    expect(r.data?.me.uuid).toBe(u.uuid);
  });

  test('the salted form without the header, or for another cluster, is no token', async () => {
    const u = await gw().newUser();
    expect(errorCode(await gw().gql(VALIDATION_QUERY, {}, salted(u.token)))).toBe('UNAUTHENTICATED');
    const forC = { 'x-arvados-remote-cluster': 'ccccc' };
    expect(errorCode(await gw().gql(VALIDATION_QUERY, {}, salted(u.token), forC))).toBe('UNAUTHENTICATED');
  });
});

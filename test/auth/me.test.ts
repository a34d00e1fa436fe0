import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';

describeBackends('me and tokens', (gw) => {
  test('the root token answers as the system user', async () => {
    const r = await gw().gql('{ me { uuid isAdmin isActive } }');
    expect(r.errors).toBeUndefined();
    expect(r.data.me).toEqual({ uuid: 'zzzzz-tpzed-000000000000000', isAdmin: true, isActive: true });
  });

  test('no token is UNAUTHENTICATED', async () => {
    const r = await gw().gql('{ me { uuid } }', {}, null);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });
});

import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';

const M_TOKEN =
  'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid userUuid apiToken } }';
const M_USER =
  'mutation($i: CreateUserInput!) { createUser(input: $i) { uuid email fullName isAdmin isActive } }';
const NODE = `query($id: ID!) {
  node(id: $id) {
    id
    __typename
    ... on User { uuid email }
    ... on ApiClientAuthorization { uuid userUuid apiToken }
  }
}`;

describeBackends('permissions', (gw) => {
  let alice: { uuid: string; token: string };
  let bob: { uuid: string; token: string };
  let inactive: { uuid: string; token: string };

  beforeAll(async () => {
    alice = await gw().newUser();
    bob = await gw().newUser();
    inactive = await gw().newUser({ isActive: false });
  });

  describe('inactive users', () => {
    test('may call me', async () => {
      const r = await gw().gql('{ me { uuid isActive } }', {}, inactive.token);
      expect(r.errors).toBeUndefined();
      expect(r.data.me).toEqual({ uuid: inactive.uuid, isActive: false });
    });

    test.each([
      ['node', `{ node(id: "${'zzzzz-tpzed-000000000000000'}") { id } }`, {}],
      ['createApiClientAuthorization', M_TOKEN, { i: {} }],
      ['createUser', M_USER, { i: { email: 'z@example.com' } }],
    ])('get FORBIDDEN for %s', async (_name, query, variables) => {
      expect(errorCode(await gw().gql(query, variables, inactive.token))).toBe('FORBIDDEN');
    });

    test('get FORBIDDEN for me together with another field', async () => {
      const r = await gw().gql(`{ me { uuid } node(id: "${inactive.uuid}") { id } }`, {}, inactive.token);
      expect(errorCode(r)).toBe('FORBIDDEN');
    });

    test('inactive admins are refused too', async () => {
      const admin = await gw().newUser({ isAdmin: true, isActive: false });
      expect(errorCode(await gw().gql(M_USER, { i: { email: 'w@example.com' } }, admin.token))).toBe(
        'FORBIDDEN',
      );
    });
  });

  describe('createUser', () => {
    test('is FORBIDDEN to non-admins, and creates nothing', async () => {
      const r = await gw().gql(M_USER, { i: { email: 'nonadmin@example.com', isAdmin: true } }, alice.token);
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(
        await gw().gateway.services.db.prisma.user.count({ where: { email: 'nonadmin@example.com' } }),
      ).toBe(0);
    });

    test('works for the system user and for other admins, with the documented defaults', async () => {
      const r = await gw().gql(M_USER, { i: { email: 'new@example.com' } });
      expect(r.errors).toBeUndefined();
      expect(r.data.createUser).toMatchObject({
        email: 'new@example.com',
        fullName: null,
        isAdmin: false,
        isActive: true,
      });
      expect(r.data.createUser.uuid).toMatch(/^zzzzz-tpzed-[0-9a-z]{15}$/);
      const admin = await gw().newUser({ isAdmin: true });
      const r2 = await gw().gql(
        M_USER,
        { i: { email: 'new2@example.com', fullName: 'New Two', isAdmin: true, isActive: false } },
        admin.token,
      );
      expect(r2.data.createUser).toMatchObject({ fullName: 'New Two', isAdmin: true, isActive: false });
    });

    test('a bad email is BAD_USER_INPUT on field email', async () => {
      const r = await gw().gql(M_USER, { i: { email: 'no-at-sign' } });
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.extensions?.field).toBe('email');
    });
  });

  describe('createApiClientAuthorization', () => {
    test('a user may create a token for itself, by default or by naming itself', async () => {
      for (const i of [{}, { userUuid: alice.uuid }]) {
        const r = await gw().gql(M_TOKEN, { i }, alice.token);
        expect(r.errors).toBeUndefined();
        expect(r.data.createApiClientAuthorization.userUuid).toBe(alice.uuid);
      }
    });

    test('a token for another user is FORBIDDEN to non-admins', async () => {
      const r = await gw().gql(M_TOKEN, { i: { userUuid: bob.uuid } }, alice.token);
      expect(errorCode(r)).toBe('FORBIDDEN');
    });

    test('an admin may create a token for another user, and it authenticates as that user', async () => {
      const r = await gw().gql(M_TOKEN, { i: { userUuid: bob.uuid } });
      expect(r.errors).toBeUndefined();
      const me = await gw().gql('{ me { uuid } }', {}, r.data.createApiClientAuthorization.apiToken);
      expect(me.data.me.uuid).toBe(bob.uuid);
    });

    test('an admin naming an unknown user gets NOT_FOUND', async () => {
      expect(errorCode(await gw().gql(M_TOKEN, { i: { userUuid: 'zzzzz-tpzed-0123456789abcde' } }))).toBe(
        'NOT_FOUND',
      );
    });
  });

  describe('apiToken is returned once', () => {
    let created: { uuid: string; userUuid: string; apiToken: string };
    beforeAll(async () => {
      created = (await gw().gql(M_TOKEN, { i: {} }, alice.token)).data.createApiClientAuthorization;
    });

    test('the creation payload carries the full v2 string', () => {
      expect(created.apiToken).toMatch(new RegExp(`^v2/${created.uuid}/[0-9a-z]{32,50}$`));
    });

    test('currentApiClientAuthorization answers with apiToken null and no secret', async () => {
      const r = await gw().gql(
        '{ currentApiClientAuthorization { uuid apiToken user { uuid } } }',
        {},
        created.apiToken,
      );
      expect(r.data.currentApiClientAuthorization).toEqual({
        uuid: created.uuid,
        apiToken: null,
        user: { uuid: alice.uuid },
      });
      expect(r.body).not.toContain(created.apiToken.split('/')[2]);
    });

    test('node(id:) answers with apiToken null and no secret, to the owner and to an admin', async () => {
      for (const token of [alice.token, gw().rootToken]) {
        const r = await gw().gql(NODE, { id: created.uuid }, token);
        expect(r.data.node).toMatchObject({
          id: created.uuid,
          __typename: 'ApiClientAuthorization',
          apiToken: null,
        });
        expect(r.body).not.toContain(created.apiToken.split('/')[2]);
      }
    });
  });

  describe('node(id:) visibility', () => {
    test("another user's user and token are null to a non-admin", async () => {
      const bobToken = (await gw().gql('{ currentApiClientAuthorization { uuid } }', {}, bob.token)).data
        .currentApiClientAuthorization.uuid;
      for (const id of [bob.uuid, bobToken, 'zzzzz-tpzed-000000000000000', 'zzzzz-gj3su-000000000000000']) {
        const r = await gw().gql(NODE, { id }, alice.token);
        expect(r.errors).toBeUndefined();
        expect(r.data.node).toBeNull();
      }
    });

    test('own user and own token are visible', async () => {
      const r = await gw().gql(NODE, { id: alice.uuid }, alice.token);
      expect(r.data.node).toMatchObject({ __typename: 'User', uuid: alice.uuid });
    });

    test('admins see every user and token', async () => {
      const bobToken = (await gw().gql('{ currentApiClientAuthorization { uuid } }', {}, bob.token)).data
        .currentApiClientAuthorization.uuid;
      expect((await gw().gql(NODE, { id: bob.uuid })).data.node).toMatchObject({ uuid: bob.uuid });
      expect((await gw().gql(NODE, { id: bobToken })).data.node).toMatchObject({
        uuid: bobToken,
        userUuid: bob.uuid,
        apiToken: null,
      });
    });

    test.each([
      'zzzzz-tpzed-0123456789abcde',
      'zzzzz-dz642-0123456789abcde',
      'zzzzz-xvhdp-0123456789abcde',
      'zzzzz-aaaaa-0123456789abcde',
      'garbage',
      '',
    ])('an unknown or malformed id %j is null, not an error', async (id) => {
      const r = await gw().gql(NODE, { id });
      expect(r.errors).toBeUndefined();
      expect(r.data.node).toBeNull();
    });
  });
});

import {
  isValidScope,
  normalizeScopes,
  saltedAllows,
  scopeAllows,
  scopeCovers,
} from '../../src/domain/scopes.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';

const M_TOKEN =
  'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid scopes apiToken } }';
const M_USER = 'mutation($i: CreateUserInput!) { createUser(input: $i) { uuid } }';

describe('scopeAllows', () => {
  test('all allows every root field', () => {
    expect(scopeAllows(['all'], 'mutation', 'createUser')).toBe(true);
  });
  test('<root>:<field> and <root>:* allow only that root type', () => {
    expect(scopeAllows(['query:node'], 'query', 'node')).toBe(true);
    expect(scopeAllows(['query:node'], 'query', 'containers')).toBe(false);
    expect(scopeAllows(['query:*'], 'query', 'containers')).toBe(true);
    expect(scopeAllows(['query:*'], 'mutation', 'createUser')).toBe(false);
    expect(scopeAllows(['mutation:*'], 'subscription', 'containerUpdated')).toBe(false);
  });
  test('me, currentApiClientAuthorization and __ fields are always allowed', () => {
    expect(scopeAllows([], 'query', 'me')).toBe(true);
    expect(scopeAllows([], 'query', 'currentApiClientAuthorization')).toBe(true);
    expect(scopeAllows([], 'query', '__typename')).toBe(true);
    expect(scopeAllows([], 'mutation', 'me')).toBe(false);
  });
  test('a token salted for a remote cluster, at home: currentApiClientAuthorization only', () => {
    expect(saltedAllows('query', 'currentApiClientAuthorization')).toBe(true);
    expect(saltedAllows('query', '__typename')).toBe(true);
    expect(saltedAllows('query', 'me')).toBe(false);
    expect(saltedAllows('mutation', 'createApiClientAuthorization')).toBe(false);
    expect(saltedAllows('subscription', 'currentApiClientAuthorization')).toBe(false);
  });
  test('Arvados path scopes mean nothing here', () => {
    expect(scopeAllows(['GET /arvados/v1/users/current'], 'query', 'node')).toBe(false);
  });
  test('isValidScope and normalizeScopes', () => {
    for (const s of ['all', 'query:me', 'query:*', 'mutation:createUser', 'subscription:containerUpdated'])
      expect(isValidScope(s)).toBe(true);
    for (const s of [
      '',
      'ALL',
      'query',
      'query:',
      'GET /x',
      'query:me ',
      'mutations:x',
      'query:a-b',
      'query:**',
    ])
      expect(isValidScope(s)).toBe(false);
    expect(normalizeScopes(['query:me', 'all', 'query:me'])).toEqual(['all', 'query:me']);
  });
});

describeBackends('scopes over GraphQL', (gw) => {
  let owner: { uuid: string; token: string };
  let meOnly: string;
  let queryStar: string;
  let mintOnly: string;
  let mutationStar: string;

  async function tokenFor(scopes: string[]): Promise<string> {
    const r = await gw().gql(M_TOKEN, { i: { userUuid: owner.uuid, scopes } });
    if (!r.data) throw new Error(r.body);
    return r.data.createApiClientAuthorization.apiToken;
  }

  beforeAll(async () => {
    owner = await gw().newUser();
    meOnly = await tokenFor(['query:me']);
    queryStar = await tokenFor(['query:*']);
    mintOnly = await tokenFor(['query:me', 'mutation:createApiClientAuthorization']);
    mutationStar = await tokenFor(['mutation:*']);
  });

  describe('a query:me token', () => {
    test('may call me and currentApiClientAuthorization', async () => {
      const r = await gw().gql(
        '{ me { uuid } currentApiClientAuthorization { scopes userUuid } }',
        {},
        meOnly,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data).toEqual({
        me: { uuid: owner.uuid },
        currentApiClientAuthorization: { scopes: ['query:me'], userUuid: owner.uuid },
      });
    });

    test('gets FORBIDDEN for any other root field', async () => {
      expect(errorCode(await gw().gql(`{ node(id: "${owner.uuid}") { id } }`, {}, meOnly))).toBe('FORBIDDEN');
      expect(errorCode(await gw().gql(M_USER, { i: { email: 'x@example.com' } }, meOnly))).toBe('FORBIDDEN');
      expect(errorCode(await gw().gql(M_TOKEN, { i: { scopes: ['query:me'] } }, meOnly))).toBe('FORBIDDEN');
    });

    test('a denied field with an alias is still denied', async () => {
      expect(errorCode(await gw().gql(`{ who: node(id: "${owner.uuid}") { id } }`, {}, meOnly))).toBe(
        'FORBIDDEN',
      );
    });

    test('__typename alone and with me is allowed', async () => {
      expect((await gw().gql('{ __typename }', {}, meOnly)).errors).toBeUndefined();
      expect((await gw().gql('{ __typename me { uuid } }', {}, meOnly)).errors).toBeUndefined();
    });
  });

  describe('an operation is allowed only if every root field is', () => {
    test('one denied field refuses the whole operation, and nothing runs', async () => {
      const r = await gw().gql(`{ me { uuid } node(id: "${owner.uuid}") { id } }`, {}, meOnly);
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(r.errors?.[0]?.message).toContain('query:node');
      expect(r.data ?? null).toBeNull();
    });

    test('a mutation with one denied field writes nothing', async () => {
      const { prisma } = gw().gateway.services.db;
      const before = await prisma.apiClientAuthorization.count();
      const r = await gw().gql(
        `mutation { createApiClientAuthorization(input: { scopes: ["query:me"] }) { uuid } createUser(input: { email: "m@example.com" }) { uuid } }`,
        {},
        mintOnly,
      );
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(await prisma.apiClientAuthorization.count()).toBe(before);
      expect(await prisma.user.count({ where: { email: 'm@example.com' } })).toBe(0);
    });

    test('root fields inside named fragments count', async () => {
      const denied = `query { ...F } fragment F on Query { me { uuid } node(id: "${owner.uuid}") { id } }`;
      expect(errorCode(await gw().gql(denied, {}, meOnly))).toBe('FORBIDDEN');
      const allowed = 'query { ...F } fragment F on Query { me { uuid } }';
      expect((await gw().gql(allowed, {}, meOnly)).data).toEqual({ me: { uuid: owner.uuid } });
    });

    test('root fields inside nested and inline fragments count', async () => {
      const nested = `query { ...A } fragment A on Query { me { uuid } ...B } fragment B on Query { node(id: "${owner.uuid}") { id } }`;
      expect(errorCode(await gw().gql(nested, {}, meOnly))).toBe('FORBIDDEN');
      const inline = `query { me { uuid } ... on Query { node(id: "${owner.uuid}") { id } } }`;
      expect(errorCode(await gw().gql(inline, {}, meOnly))).toBe('FORBIDDEN');
    });

    test('a field skipped by @skip still needs its scope', async () => {
      const r = await gw().gql(
        `{ me { uuid } node(id: "${owner.uuid}") @skip(if: true) { id } }`,
        {},
        meOnly,
      );
      expect(errorCode(r)).toBe('FORBIDDEN');
    });

    test('with several operations, the chosen one is checked', async () => {
      const doc = `query Mine { me { uuid } } query Other { node(id: "${owner.uuid}") { id } }`;
      const res = async (operationName: string) => {
        const r = await gw().gateway.yoga.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${meOnly}` },
          body: JSON.stringify({ query: doc, operationName }),
        });
        return JSON.parse(await r.text());
      };
      expect((await res('Mine')).data).toEqual({ me: { uuid: owner.uuid } });
      expect((await res('Other')).errors[0].extensions.code).toBe('FORBIDDEN');
    });
  });

  test('query:* allows every query but no mutation', async () => {
    const r = await gw().gql(`{ me { uuid } node(id: "${owner.uuid}") { id } }`, {}, queryStar);
    expect(r.errors).toBeUndefined();
    expect(r.data.node).toEqual({ id: owner.uuid });
    expect(errorCode(await gw().gql(M_TOKEN, { i: {} }, queryStar))).toBe('FORBIDDEN');
  });

  test('mutation:* allows mutations but no other query than me', async () => {
    expect(errorCode(await gw().gql(`{ node(id: "${owner.uuid}") { id } }`, {}, mutationStar))).toBe(
      'FORBIDDEN',
    );
    // Not an admin, so createUser is still refused: scopes narrow, they never grant.
    expect(errorCode(await gw().gql(M_USER, { i: { email: 'y@example.com' } }, mutationStar))).toBe(
      'FORBIDDEN',
    );
    const r = await gw().gql(M_TOKEN, { i: { scopes: ['mutation:*'] } }, mutationStar);
    expect(r.errors).toBeUndefined();
  });

  describe('minting tokens', () => {
    test('a narrowed token cannot mint broader scopes', async () => {
      for (const scopes of [['all'], ['query:*'], ['query:node'], ['query:me', 'mutation:createUser']]) {
        expect(errorCode(await gw().gql(M_TOKEN, { i: { scopes } }, mintOnly))).toBe('FORBIDDEN');
      }
      // Leaving scopes out means ["all"]: also broader.
      expect(errorCode(await gw().gql(M_TOKEN, { i: {} }, mintOnly))).toBe('FORBIDDEN');
    });

    test('a narrowed token may mint a subset of its scopes', async () => {
      const r = await gw().gql(M_TOKEN, { i: { scopes: ['query:me'] } }, mintOnly);
      expect(r.errors).toBeUndefined();
      expect(r.data.createApiClientAuthorization.scopes).toEqual(['query:me']);
    });

    test('a wildcard token may mint the single fields it covers, not another root', async () => {
      const narrowed = await tokenFor(['mutation:*', 'query:*']);
      const r = await gw().gql(
        M_TOKEN,
        { i: { scopes: ['query:me', 'query:containers', 'mutation:updateContainer'] } },
        narrowed,
      );
      expect(r.errors).toBeUndefined();
      expect(
        errorCode(await gw().gql(M_TOKEN, { i: { scopes: ['subscription:containerUpdated'] } }, narrowed)),
      ).toBe('FORBIDDEN');
      expect(errorCode(await gw().gql(M_TOKEN, { i: { scopes: ['all'] } }, narrowed))).toBe('FORBIDDEN');
    });

    test('scopes are stored de-duplicated and sorted', async () => {
      const r = await gw().gql(
        M_TOKEN,
        { i: { scopes: ['query:node', 'query:me', 'query:node'] } },
        owner.token,
      );
      expect(r.data.createApiClientAuthorization.scopes).toEqual(['query:me', 'query:node']);
    });

    test.each([[['GET /arvados/v1/users']], [[]], [['query:me', '']], [['ALL']]])(
      'invalid scopes %j are BAD_USER_INPUT on field scopes',
      async (scopes) => {
        const r = await gw().gql(M_TOKEN, { i: { scopes } }, owner.token);
        expect(errorCode(r)).toBe('BAD_USER_INPUT');
        expect(r.errors?.[0]?.extensions?.field).toBe('scopes');
      },
    );

    test('a minted token is limited to its scopes', async () => {
      const r = await gw().gql(M_TOKEN, { i: { scopes: ['query:me'] } }, owner.token);
      const token = r.data.createApiClientAuthorization.apiToken;
      expect((await gw().gql('{ me { uuid } }', {}, token)).data.me.uuid).toBe(owner.uuid);
      expect(errorCode(await gw().gql(M_TOKEN, { i: { scopes: ['query:me'] } }, token))).toBe('FORBIDDEN');
    });
  });
});

describe('scopeCovers (minting)', () => {
  test.each([
    [['all'], 'all', true],
    [['all'], 'query:me', true],
    [['query:*'], 'query:containers', true],
    [['query:*'], 'query:*', true],
    [['query:*'], 'mutation:lockContainer', false],
    [['query:*'], 'all', false],
    [['query:me'], 'query:*', false],
    [['query:me'], 'query:me', true],
    [['query:me'], 'query:node', false],
  ])('held %j covers %s: %s', (held, wanted, expected) => {
    expect(scopeCovers(held, wanted)).toBe(expected);
  });
});

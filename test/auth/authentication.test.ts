import { createToken } from '../../src/domain/tokens.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends, type GqlResult } from '../helpers/gateway.js';

const ME = '{ me { uuid } }';
const CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'INTERNAL_SERVER_ERROR',
];

// TOKEN_CACHE_SECONDS=0: every request reads its token, so what a test changes in the database
// (an expiry) applies at once; the cache's own bound is tested in token-cache.test.ts.
describeBackends(
  'authentication',
  (gw) => {
    let user: { uuid: string; token: string };
    beforeAll(async () => {
      user = await gw().newUser();
    });

    async function post(body: string): Promise<GqlResult> {
      const res = await gw().gateway.yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gw().rootToken}` },
        body,
      });
      const text = await res.text();
      return { status: res.status, ...JSON.parse(text), body: text };
    }

    async function raw(headers: Record<string, string>, query = ME): Promise<GqlResult> {
      return gw().gql(query, {}, null, headers);
    }

    test('Authorization: Bearer <v2 token>', async () => {
      const r = await raw({ authorization: `Bearer ${user.token}` });
      expect(r.errors).toBeUndefined();
      expect(r.data.me.uuid).toBe(user.uuid);
    });

    test('Authorization: OAuth2 <v2 token> (the Arvados form)', async () => {
      const r = await raw({ authorization: `OAuth2 ${user.token}` });
      expect(r.errors).toBeUndefined();
      expect(r.data.me.uuid).toBe(user.uuid);
    });

    test('the scheme is case-insensitive', async () => {
      const r = await raw({ authorization: `bearer ${user.token}` });
      expect(r.data?.me.uuid).toBe(user.uuid);
    });

    test('a v1 token (the bare secret) of a local token authenticates', async () => {
      const secret = user.token.split('/')[2]!;
      const r = await raw({ authorization: `Bearer ${secret}` });
      expect(r.errors).toBeUndefined();
      expect(r.data.me.uuid).toBe(user.uuid);
    });

    test('a 4th part that names no container is ignored (design.md §6)', async () => {
      const r = await raw({ authorization: `Bearer ${user.token}/zzzzz-dz642-000000000000000` });
      expect(r.errors).toBeUndefined();
      expect(r.data.me.uuid).toBe(user.uuid);
    });

    test.each([
      ['Basic credentials', 'Basic dXNlcjpwYXNzd29yZA=='],
      ['a scheme without a token', 'Bearer'],
      ['two words after the scheme', 'Bearer abc def'],
      ['a token without a scheme', 'v2/zzzzz-gj3su-0123456789abcde/abc'],
    ])('a malformed Authorization header (%s) is UNAUTHENTICATED, not anonymous', async (_n, header) => {
      const r = await raw({ authorization: header });
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
      expect(r.data ?? null).toBeNull();
    });

    test('a token with the right uuid and a wrong secret is UNAUTHENTICATED', async () => {
      const [v, uuid] = user.token.split('/');
      const r = await raw({ authorization: `Bearer ${v}/${uuid}/wrongsecret0123456789` });
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
    });

    test('an unknown v2 token and an unknown v1 secret are UNAUTHENTICATED', async () => {
      expect(
        errorCode(await raw({ authorization: 'Bearer v2/zzzzz-gj3su-0123456789abcde/nosuchsecret' })),
      ).toBe('UNAUTHENTICATED');
      expect(errorCode(await raw({ authorization: 'Bearer nosuchsecret0123456789' }))).toBe(
        'UNAUTHENTICATED',
      );
    });

    test('a 10 KB token and non-ASCII bytes in the header are UNAUTHENTICATED', async () => {
      expect(
        errorCode(
          await raw({ authorization: `Bearer v2/zzzzz-gj3su-0123456789abcde/${'a'.repeat(10 * 1024)}` }),
        ),
      ).toBe('UNAUTHENTICATED');
      expect(errorCode(await raw({ authorization: `Bearer ${'x'.repeat(10 * 1024)}` }))).toBe(
        'UNAUTHENTICATED',
      );
      // Headers carry Latin-1 at most; é is the most a client can send.
      expect(
        errorCode(await raw({ authorization: 'Bearer v2/zzzzz-gj3su-0123456789abcde/s\u00e9cret' })),
      ).toBe('UNAUTHENTICATED');
    });

    test('an invalid token is refused even for introspection-only queries', async () => {
      expect(errorCode(await raw({ authorization: 'Bearer nope' }, '{ __typename }'))).toBe(
        'UNAUTHENTICATED',
      );
      const anonymous = await raw({}, '{ __typename }');
      expect(anonymous.errors).toBeUndefined();
    });

    describe('expiry', () => {
      test('a token whose expiresAt has passed is UNAUTHENTICATED, in v2 and v1 form', async () => {
        const { prisma } = gw().gateway.services.db;
        const { apiToken } = await createToken(prisma, gw().gateway.services.secrets, 'zzzzz', {
          userUuid: user.uuid,
          expiresAt: new Date(Date.now() - 1000),
        });
        expect(errorCode(await raw({ authorization: `Bearer ${apiToken}` }))).toBe('UNAUTHENTICATED');
        expect(errorCode(await raw({ authorization: `Bearer ${apiToken.split('/')[2]}` }))).toBe(
          'UNAUTHENTICATED',
        );
      });

      test('a token stops working once its expiresAt passes', async () => {
        const created = await gw().gql(
          'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid apiToken expiresAt } }',
          { i: { expiresAt: new Date(Date.now() + 3_600_000).toISOString() } },
          user.token,
        );
        expect(created.errors).toBeUndefined();
        const { uuid, apiToken } = created.data.createApiClientAuthorization;
        expect((await gw().gql(ME, {}, apiToken)).data?.me.uuid).toBe(user.uuid);
        await gw().gateway.services.db.prisma.apiClientAuthorization.update({
          where: { uuid },
          data: { expiresAt: new Date(Date.now() - 1) },
        });
        expect(errorCode(await gw().gql(ME, {}, apiToken))).toBe('UNAUTHENTICATED');
      });

      test('createApiClientAuthorization with a past expiresAt is BAD_USER_INPUT on field expiresAt', async () => {
        const r = await gw().gql(
          'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid } }',
          { i: { expiresAt: new Date(Date.now() - 60_000).toISOString() } },
          user.token,
        );
        expect(errorCode(r)).toBe('BAD_USER_INPUT');
        expect(r.errors?.[0]?.extensions?.field).toBe('expiresAt');
      });

      test('an expiresAt that is not a date is BAD_USER_INPUT', async () => {
        const r = await gw().gql(
          'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid } }',
          { i: { expiresAt: 'tomorrow' } },
          user.token,
        );
        expect(errorCode(r)).toBe('BAD_USER_INPUT');
      });
    });

    describe('no bad token, scope or input yields a stack trace or an unlisted code', () => {
      const M_TOKEN =
        'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid } }';
      const M_USER = 'mutation($i: CreateUserInput!) { createUser(input: $i) { uuid } }';
      const cases: [string, () => Promise<GqlResult>][] = [
        ['garbage token', () => raw({ authorization: 'Bearer %%%' })],
        ['huge token', () => raw({ authorization: `Bearer ${'v2/'.repeat(4000)}` })],
        ['no token', () => raw({})],
        ['syntax error', () => gw().gql('{ me { uuid ')],
        ['unknown field', () => gw().gql('{ nope }')],
        [
          'two operations and no operationName',
          () => gw().gql('query A { me { uuid } } query B { me { uuid } }'),
        ],
        [
          'invalid JSON body quoting a token',
          () =>
            post('{"query": "{ me { uuid } }", "variables": v2/zzzzz-gj3su-0123456789abcde/hunter2hunter2'),
        ],
        ['a JSON body that is not an object', () => post('[1, 2]')],
        ['no query', () => post('{}')],
        ['missing variable', () => gw().gql(M_USER, {})],
        ['variable of the wrong type', () => gw().gql(M_USER, { i: { email: 42 } })],
        ['bad email', () => gw().gql(M_USER, { i: { email: 'not an email' } })],
        [
          'huge full name',
          () => gw().gql(M_USER, { i: { email: 'a@b.example', fullName: 'x'.repeat(5000) } }),
        ],
        ['bad scope', () => gw().gql(M_TOKEN, { i: { scopes: ['GET /arvados/v1/users'] } })],
        ['empty scopes', () => gw().gql(M_TOKEN, { i: { scopes: [] } })],
        ['unknown user', () => gw().gql(M_TOKEN, { i: { userUuid: 'zzzzz-tpzed-0123456789abcde' } })],
        [
          'user uuid that is not a uuid',
          () => gw().gql(M_TOKEN, { i: { userUuid: "'; DROP TABLE users; --" } }),
        ],
        ['past expiry', () => gw().gql(M_TOKEN, { i: { expiresAt: '1999-01-01T00:00:00Z' } })],
        ['date out of range', () => gw().gql(M_TOKEN, { i: { expiresAt: '99999-01-01T00:00:00Z' } })],
        ['node with garbage id', () => gw().gql('{ node(id: "garbage") { id } }')],
        [
          'node with a uuid of no known type',
          () => gw().gql('{ node(id: "zzzzz-aaaaa-0123456789abcde") { id } }'),
        ],
        ['forbidden root field', () => gw().gql(M_USER, { i: { email: 'a@b.example' } }, user.token)],
      ];
      test.each(cases)('%s', async (_name, run) => {
        const r = await run();
        expect(r.status).toBeLessThan(500);
        for (const e of r.errors ?? []) {
          expect(CODES).toContain(e.extensions?.code);
          expect(e.extensions).not.toHaveProperty('stacktrace');
          expect(JSON.stringify(e.extensions?.originalError ?? {})).not.toMatch(/message|stack/);
        }
        expect(r.body).not.toMatch(/\n\s+at |\bat [\w.<>]+ \(|node_modules|prisma|SELECT|INSERT/i);
        expect(r.body).not.toContain('DROP TABLE');
        expect(r.body).not.toContain('hunter2');
      });

      test('none of them reached the unexpected-error path', () => {
        expect(gw().logs.filter((l) => l.includes('unexpected error'))).toEqual([]);
      });
    });
  },
  { TOKEN_CACHE_SECONDS: '0' },
);

// Names the request chooses — fields, arguments, variables, directives, fragments, the
// operation's — may be anything a GraphQL name can be, a token's bare secret included. No
// error message, extension or log line quotes one the schema does not have, and no error
// suggests a name ("Did you mean …?").

import { expectError } from '../helpers/assert.js';
import { describeBackends, type GqlResult } from '../helpers/gateway.js';
import { found } from '../helpers/secrets.js';
import { issueToken } from '../helpers/tokens.js';

describeBackends('names the schema does not have', (gw) => {
  test('are never echoed: not in messages, extensions or the log', async () => {
    const user = await gw().newUser();
    const { secret } = await issueToken(gw(), user.token);
    // A GraphQL name starts with a letter or _: the secret behind one, as a typo would put it.
    const s = `x${secret}`;
    const needles = { 'bare secret': secret };
    const logged = gw().logs.length;
    const cases: [string, () => Promise<GqlResult>][] = [
      ['field', () => gw().gql(`{ me { ${s} } }`, {}, user.token)],
      ['root field', () => gw().gql(`{ ${s} }`, {}, user.token)],
      ['argument', () => gw().gql(`{ me(${s}: 1) { uuid } }`, {}, user.token)],
      ['argument of a directive', () => gw().gql(`{ me @include(${s}: true) { uuid } }`, {}, user.token)],
      ['directive', () => gw().gql(`{ me @${s} { uuid } }`, {}, user.token)],
      ['unused variable', () => gw().gql(`query($${s}: Int) { me { uuid } }`, {}, user.token)],
      ['undefined variable', () => gw().gql(`{ container(uuid: $${s}) { uuid } }`, {}, user.token)],
      [
        'variable of a bad value',
        () => gw().gql(`query($${s}: ID!) { container(uuid: $${s}) { uuid } }`, { [s]: 5.5 }, user.token),
      ],
      [
        'missing variable',
        () => gw().gql(`query($${s}: ID!) { container(uuid: $${s}) { uuid } }`, {}, user.token),
      ],
      ['unknown type', () => gw().gql(`query($v: ${s}) { me { uuid } }`, {}, user.token)],
      ['fragment spread', () => gw().gql(`{ me { ...${s} } }`, {}, user.token)],
      ['unused fragment', () => gw().gql(`{ me { uuid } } fragment ${s} on User { uuid }`, {}, user.token)],
      ['fragment on a type', () => gw().gql(`{ me { ...on ${s} { uuid } } }`, {}, user.token)],
      ['syntax error', () => gw().gql(`{ me { uuid } } ${s}`, {}, user.token)],
      ['operation name', () => byName(s)],
    ];
    // An operationName the document does not have (gql() sends none).
    async function byName(name: string): Promise<GqlResult> {
      const res = await gw().gateway.yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
        body: JSON.stringify({
          query: 'query A { me { uuid } } query B { me { uuid } }',
          operationName: name,
        }),
      });
      const body = await res.text();
      const json = JSON.parse(body);
      return { status: res.status, data: json.data, errors: json.errors, body };
    }
    for (const [what, send] of cases) {
      const r = await send();
      expect([what, r.errors?.[0]?.extensions?.code]).toEqual([what, 'BAD_USER_INPUT']);
      expect([what, found(r.body, needles)]).toEqual([what, []]);
    }
    expect(found(gw().logs.slice(logged).join('\n'), needles)).toEqual([]);
  });

  test('names of the schema are still quoted; suggestions are not', async () => {
    const typo = await gw().gql('{ me { uuidd } }');
    expectError(typo, 'BAD_USER_INPUT', { message: 'Cannot query field "…" on type "User".' });
    const arg = await gw().gql('{ containers(firts: 1) { totalCount } }');
    expectError(arg, 'BAD_USER_INPUT', { message: 'Unknown argument "…" on field "Query.containers".' });
    expect(arg.errors![0]!.extensions!.field).toBeUndefined();
    const missing = await gw().gql('{ container { uuid } }');
    expectError(missing, 'BAD_USER_INPUT', {
      message: 'Field "container" argument "uuid" of type "ID!" is required, but it was not provided.',
      field: 'uuid',
    });
  });

  test("a variable's error names the input it gives, by the schema's name", async () => {
    const q = 'query($m: BigInt) { containers(filter: {minPriority: $m}) { totalCount } }';
    const r = await gw().gql(q, { m: 'x' });
    expectError(r, 'BAD_USER_INPUT', { field: 'minPriority' });
    expect(r.errors![0]!.message).toMatch(/^Variable "\$…" got invalid value/);
    const u = await gw().gql('query($u: ID!) { container(uuid: $u) { uuid } }');
    expectError(u, 'BAD_USER_INPUT', { field: 'uuid' });
  });
});

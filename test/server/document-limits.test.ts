// No single caller can take the server from the others (README "Limits"): besides its cost, one
// document's size is capped — tokens, and each operation's aliases, selection depth and
// directives — and a document over a cap is refused with QUERY_TOO_COMPLEX, stating the limit
// and no name from the request, while everyone else is answered.

import { getIntrospectionQuery } from 'graphql';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends, errorLogsSince, type GqlResult } from '../helpers/gateway.js';

// An alias may be anything a name can be, a bare token secret included: never echoed.
const SECRETISH = 'k3y9q0zr7c2mx8w4v1b6n5t0p2s7d9f4';

/** `n` aliases of `me`, each named like a secret. */
const meAliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `${SECRETISH}${i}: me { uuid }`).join(' ')} }`;

/** A selection of Query `depth` fields deep (counting the leaf), through real connections. */
function nestedSelection(depth: number): string {
  const cycle = ['containerRequests(first: 1)', 'nodes', 'container'];
  const fields = ['containers(first: 1)', 'nodes'];
  while (fields.length < depth - 1) fields.push(cycle[(fields.length - 2) % 3]!);
  return fields.reduceRight((inner, f) => `${f} { ${inner} }`, '__typename');
}
const nested = (depth: number) => `{ ${nestedSelection(depth)} }`;

/** `n` directives on fields of `me` (two a field: include and skip are not repeatable). */
const directives = (n: number) =>
  `{ me { ${'uuid @include(if: true) @skip(if: false) '.repeat(Math.floor(n / 2))}${n % 2 ? 'uuid @include(if: true)' : ''} } }`;

/** The cost budget's own refusal (5,000 by default): 100 containers × 100 requests each. */
const overBudget =
  '{ containers(first: 100) { nodes { containerRequests(first: 100) { nodes { uuid } } } } }';

function expectRefused(r: GqlResult, limit: string, max: number, message: string) {
  expectError(r, 'QUERY_TOO_COMPLEX', { message: `${message} than the limit of ${max}` });
  expect(r.errors![0]!.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit, max });
  expect(r.data).toBeUndefined();
  expect(r.body).not.toContain(SECRETISH);
}

describeBackends('document limits, by default', (gw) => {
  test('10,000 aliases of me are refused, stating the limit, while another client is answered', async () => {
    const [attacker, other] = [await gw().newUser(), await gw().newUser()];
    const logged = gw().logs.length;
    const [refused, me] = await Promise.all([
      gw().gql(meAliases(10_000), {}, attacker.token),
      gw().gql('{ me { uuid } }', {}, other.token),
    ]);
    // 60,000 tokens: the parse stops at the token cap, before the aliases are even counted.
    expectRefused(refused, 'MAX_TOKENS', 5000, 'The document has more tokens');
    expect(ok(me).me.uuid).toBe(other.uuid);
    expect(errorLogsSince(gw(), logged)).toEqual([]);
  });

  test('aliases: 30 are answered, 31 refused', async () => {
    const { token } = await gw().newUser();
    expect(Object.keys(ok(await gw().gql(meAliases(30), {}, token)))).toHaveLength(30);
    expectRefused(
      await gw().gql(meAliases(31), {}, token),
      'MAX_ALIASES',
      30,
      'The operation has more aliases',
    );
  });

  test('depth: 15 levels are answered, 16 refused; fragments are no level of their own', async () => {
    expect(ok(await gw().gql(nested(15))).containers.nodes).toBeDefined();
    expectRefused(await gw().gql(nested(16)), 'MAX_DEPTH', 15, 'The operation nests fields more levels deep');
    const viaFragment = `{ ...F } fragment F on Query { ${nestedSelection(15)} }`;
    expect(ok(await gw().gql(viaFragment)).containers).toBeDefined();
  });

  test('directives: 50 are answered, 51 refused', async () => {
    expect(ok(await gw().gql(directives(50))).me.uuid).toBeDefined();
    expectRefused(await gw().gql(directives(51)), 'MAX_DIRECTIVES', 50, 'The operation has more directives');
  });

  test('the introspection query (all options) is within every cap', async () => {
    const full = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    expect(ok(await gw().gql(full)).__schema.types.length).toBeGreaterThan(10);
  });

  test('a refusal has the cost budget’s HTTP status, whatever the client accepts', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const cost = await gw().gql(overBudget, {}, undefined, { accept });
      expectError(cost, 'QUERY_TOO_COMPLEX');
      const size = await gw().gql(meAliases(31), {}, undefined, { accept });
      expectError(size, 'QUERY_TOO_COMPLEX');
      expect([accept, size.status]).toEqual([accept, cost.status]);
    }
  });

  test('a subscription is held to the same caps', async () => {
    const res = await gw().gateway.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${gw().rootToken}`,
      },
      body: JSON.stringify({
        query: `subscription { containerUpdated(uuid: "zzzzz-dz642-000000000000000") { ${Array.from(
          { length: 31 },
          (_, i) => `${SECRETISH}${i}: uuid`,
        ).join(' ')} } }`,
      }),
    });
    const text = await res.text();
    expect(text).toContain('"code":"QUERY_TOO_COMPLEX"');
    expect(text).toContain('"limit":"MAX_ALIASES"');
    expect(text).not.toContain('"data"');
    expect(text).not.toContain(SECRETISH);
  });
});

describeBackends(
  'document limits, configured',
  (gw) => {
    test('MAX_TOKENS: a document of 40 tokens is answered, of 41 refused', async () => {
      // Tokens as graphql-js' parser counts them (its tokenCount): { me { uuid × n } } is
      // n + 5 (a nested selection's brace counts twice); commas and comments are no tokens.
      expect(ok(await gw().gql(`{ me { ${'uuid, '.repeat(35)}} } # comment`)).me.uuid).toBeDefined();
      expectRefused(
        await gw().gql(`{ me { ${'uuid '.repeat(36)}} }`),
        'MAX_TOKENS',
        40,
        'The document has more tokens',
      );
    });

    test('MAX_ALIASES, MAX_DEPTH, MAX_DIRECTIVES', async () => {
      expectRefused(await gw().gql('{ a: me { uuid } }'), 'MAX_ALIASES', 0, 'The operation has more aliases');
      expect(ok(await gw().gql('{ me { uuid } }')).me.uuid).toBeDefined();
      expect(ok(await gw().gql(nested(3))).containers).toBeDefined();
      expectRefused(await gw().gql(nested(4)), 'MAX_DEPTH', 3, 'The operation nests fields more levels deep');
      expect(ok(await gw().gql(directives(1))).me.uuid).toBeDefined();
      expectRefused(await gw().gql(directives(2)), 'MAX_DIRECTIVES', 1, 'The operation has more directives');
    });
  },
  { MAX_TOKENS: '40', MAX_ALIASES: '0', MAX_DEPTH: '3', MAX_DIRECTIVES: '1' },
);

describeBackends(
  'document limits: the alias cap alone',
  (gw) => {
    test('10,000 aliases of me within the token cap are refused by the alias cap', async () => {
      expectRefused(await gw().gql(meAliases(10_000)), 'MAX_ALIASES', 30, 'The operation has more aliases');
    });
  },
  { MAX_TOKENS: '100000' },
);

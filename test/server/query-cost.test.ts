// No single caller can take the server from the others (README "Limits"): each operation's cost
// is estimated before anything runs — a connection's selection counts once per item of the page
// it asks for — and one over the budget is refused with QUERY_TOO_COMPLEX, stating the cost and
// the limit, while everyone else is answered.

import { attackQuery as attack } from '../../bench/attack-query.js';
import { createRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends, errorLogsSince } from '../helpers/gateway.js';

describeBackends('the cost budget, by default', (gw) => {
  let shared: string;
  let user: { uuid: string; token: string };

  beforeAll(async () => {
    user = await gw().newUser();
    // A container shared by 100 requests: identical committed requests reuse it.
    const first = await createRequest(gw(), user.token);
    shared = first.containerUuid!;
    for (let i = 1; i < 100; i += 11)
      await Promise.all(Array.from({ length: Math.min(11, 100 - i) }, () => createRequest(gw(), user.token)));
  });

  test('the attack is refused, stating its cost and the limit, while another client is answered', async () => {
    const other = await gw().newUser();
    const logged = gw().logs.length;
    const [refused, me] = await Promise.all([
      gw().gql(attack(3), { u: shared }, user.token),
      gw().gql('{ me { uuid } }', {}, other.token),
    ]);
    expectError(refused, 'QUERY_TOO_COMPLEX', {
      message: /^The query costs \d+, more than the limit of 5000$/,
    });
    const { cost, ...limit } = refused.errors![0]!.extensions as { cost: number };
    expect(limit).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'MAX_QUERY_COST', maxCost: 5000 });
    expect(cost).toBeGreaterThan(1_000_000);
    expect(refused.errors![0]!.message).toBe(`The query costs ${cost}, more than the limit of 5000`);
    expect(refused.data).toBeUndefined();
    expect(ok(me).me.uuid).toBe(other.uuid);
    expect(errorLogsSince(gw(), logged)).toEqual([]);
  });

  test('one level of it is within the budget and answered in full', async () => {
    const r = await gw().gql(attack(1), { u: shared }, user.token);
    expect(ok(r).container.containerRequests.edges).toHaveLength(100);
  });

  test('a subscription is held to the same budget', async () => {
    const res = await gw().gateway.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${user.token}`,
      },
      body: JSON.stringify({
        query: attack(3).replace(
          'query($u: ID!) { container(uuid: $u)',
          'subscription($u: ID!) { containerUpdated(uuid: $u)',
        ),
        variables: { u: shared },
      }),
    });
    const text = await res.text();
    expect(text).toContain('"code":"QUERY_TOO_COMPLEX"');
    expect(text).not.toContain('"data"');
  });
});

describeBackends(
  'the cost of an operation',
  (gw) => {
    const costOf = async (query: string) => {
      const r = await gw().gql(query);
      return r.errors ? (r.errors[0]!.extensions as { cost?: number }).cost : 'accepted';
    };

    test("a connection's selection counts once per item of its page: first, last, else 20, at most 100", async () => {
      // 1 for the field, and per item 1 for `nodes` + 1 for `uuid`.
      expect(await costOf('{ containers(first: 19) { nodes { uuid } } }')).toBe('accepted'); // 39
      expect(await costOf('{ containers(first: 20) { nodes { uuid } } }')).toBe(41);
      expect(await costOf('{ containers { nodes { uuid } } }')).toBe(41);
      expect(await costOf('{ containers(last: 25) { nodes { uuid } } }')).toBe(51);
      expect(await costOf('{ containers(first: 1000) { nodes { uuid } } }')).toBe(201);
      // Nested connections multiply; fragments and aliases count as written.
      expect(
        await costOf(
          '{ containers(first: 2) { nodes { ...F } } } fragment F on Container { containerRequests(first: 10) { a: totalCount b: totalCount } }',
        ),
      ).toBe(1 + 2 * (1 + (1 + 10 * 2)));
    });

    test('the limit is checked with the variables of the request', async () => {
      const q = 'query($n: Int) { containers(first: $n) { nodes { uuid } } }';
      expect(ok(await gw().gql(q, { n: 19 })).containers.nodes).toEqual([]);
      expectError(await gw().gql(q, { n: 20 }), 'QUERY_TOO_COMPLEX', {
        message: 'The query costs 41, more than the limit of 40',
      });
    });

    test('a document whose variables reach no connection keeps its cost: the same for every request, once its variables coerce', async () => {
      // $u is no page size: the cost, (1 + 1) + (1 + 25 × 2) = 53, is the document's alone.
      const q = 'query($u: ID!) { container(uuid: $u) { uuid } containers(first: 25) { nodes { uuid } } }';
      expect((await gw().gql(q, {})).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      for (const u of ['zzzzz-dz642-000000000000000', 'zzzzz-dz642-111111111111111'])
        expectError(await gw().gql(q, { u }), 'QUERY_TOO_COMPLEX', {
          message: 'The query costs 53, more than the limit of 40',
        });
      const cheap = 'query($u: ID!) { container(uuid: $u) { uuid } }';
      for (let i = 0; i < 2; i++)
        expectError(await gw().gql(cheap, { u: 'zzzzz-dz642-000000000000000' }), 'NOT_FOUND');
    });
  },
  { MAX_QUERY_COST: '40' },
);

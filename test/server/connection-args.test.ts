// A connection's arguments that no page can have are the caller's mistake: BAD_USER_INPUT naming
// the argument, before anything runs — not a masked INTERNAL_SERVER_ERROR and an error log line.

import { createRequest } from '../helpers/api.js';
import { errorCode, ok } from '../helpers/assert.js';
import { describeBackends, errorLogsSince } from '../helpers/gateway.js';

describeBackends('connection arguments', (gw) => {
  let user: { uuid: string; token: string };
  let containerUuid: string;

  beforeAll(async () => {
    user = await gw().newUser();
    containerUuid = (await createRequest(gw(), user.token)).containerUuid!;
  });

  const cases: [string, string, string][] = [
    ['a negative first', 'first: -1', 'first'],
    ['a negative last', 'last: -5', 'last'],
    ['a garbage after', 'after: "garbage"', 'after'],
    ['a garbage before', 'before: "garbage"', 'before'],
    ['an empty cursor', 'after: ""', 'after'],
    ['after with before', 'after: "garbage", before: "garbage"', 'before'],
    ['first with before', 'first: 2, before: "garbage"', 'first'],
    ['last with after', 'last: 2, after: "garbage"', 'last'],
  ];

  test.each(cases)(
    '%s is BAD_USER_INPUT naming the argument, and logs no error',
    async (_what, args, field) => {
      const logged = gw().logs.length;
      for (const query of [
        `{ containers(${args}) { totalCount edges { node { uuid } } } }`,
        `{ containerRequests(${args}) { totalCount nodes { uuid } } }`,
        // Nested: Pothos reads these arguments while building the parent's query.
        `query($u: ID!) { container(uuid: $u) { containerRequests(${args}) { nodes { uuid } } } }`,
      ]) {
        const r = await gw().gql(query, { u: containerUuid }, user.token);
        expect([query, errorCode(r), r.errors?.[0]?.extensions?.field]).toEqual([
          query,
          'BAD_USER_INPUT',
          field,
        ]);
        expect(r.body).not.toContain('garbage');
      }
      expect(errorLogsSince(gw(), logged)).toEqual([]);
    },
  );

  test('cursors the list gave still page through it', async () => {
    await createRequest(gw(), user.token, { name: 'second' });
    const page = async (args: string) =>
      ok(
        await gw().gql(
          `{ containerRequests(${args}) { edges { cursor node { uuid } } pageInfo { endCursor startCursor } } }`,
          {},
          user.token,
        ),
      ).containerRequests;
    const one = await page('first: 1');
    const two = await page(`first: 1, after: "${one.pageInfo.endCursor}"`);
    expect(two.edges).toHaveLength(1);
    expect(two.edges[0].node.uuid).not.toBe(one.edges[0].node.uuid);
    const back = await page(`last: 1, before: "${two.pageInfo.startCursor}"`);
    expect(back.edges[0].node.uuid).toBe(one.edges[0].node.uuid);
    expect((await page('first: 0')).edges).toEqual([]);
  });
});

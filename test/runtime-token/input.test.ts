// design.md §4: runtimeToken is accepted on create and while UNCOMMITTED, refused afterwards, and
// must be a locally valid plain v2 token; a refused token writes nothing and is never echoed.

import { createRequest, requestInput, updateRequest } from '../helpers/api.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { containerRow, count, expireTokenNow, found, requestRow, tokenNeedles } from '../helpers/secrets.js';
import { type IssuedToken, issueToken } from '../helpers/tokens.js';

const CREATE = `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid state containerUuid } }`;

describeBackends('runtimeToken input', (gw) => {
  let user: { uuid: string; token: string };
  let rt: IssuedToken;

  beforeAll(async () => {
    user = await gw().newUser();
    rt = await issueToken(gw(), user.token);
  });

  test('is accepted on create while UNCOMMITTED, stored as given, and not in the response', async () => {
    const r = await gw().gql(
      CREATE,
      { i: requestInput({ state: 'UNCOMMITTED', runtimeToken: rt.apiToken }) },
      user.token,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.createContainerRequest).toMatchObject({ state: 'UNCOMMITTED', containerUuid: null });
    expect(found(r.body, tokenNeedles('runtime token', rt.apiToken))).toEqual([]);
    expect((await requestRow(gw(), r.data.createContainerRequest.uuid)).runtime_token).toBe(rt.apiToken);
  });

  test('is accepted on create as COMMITTED, and copied to the new container', async () => {
    const cr = await createRequest(gw(), user.token, {
      runtimeToken: rt.apiToken,
      command: ['echo', 'create-committed'],
    });
    expect(cr.state).toBe('COMMITTED');
    expect((await requestRow(gw(), cr.uuid)).runtime_token).toBe(rt.apiToken);
    expect((await containerRow(gw(), cr.containerUuid)).runtime_token).toBe(rt.apiToken);
  });

  test('may be set, replaced and cleared by updates while UNCOMMITTED', async () => {
    const cr = await createRequest(gw(), user.token, { state: 'UNCOMMITTED' });
    expect((await requestRow(gw(), cr.uuid)).runtime_token).toBeNull();

    const set = await updateRequest(gw(), user.token, cr.uuid, { runtimeToken: rt.apiToken });
    expect(set.errors).toBeUndefined();
    expect(found(set.body, tokenNeedles('runtime token', rt.apiToken))).toEqual([]);
    expect((await requestRow(gw(), cr.uuid)).runtime_token).toBe(rt.apiToken);

    const other = await issueToken(gw(), user.token);
    const replaced = await updateRequest(gw(), user.token, cr.uuid, {
      runtimeToken: other.apiToken,
      name: 'renamed',
    });
    expect(replaced.errors).toBeUndefined();
    expect((await requestRow(gw(), cr.uuid)).runtime_token).toBe(other.apiToken);

    const cleared = await updateRequest(gw(), user.token, cr.uuid, { runtimeToken: null });
    expect(cleared.errors).toBeUndefined();
    expect((await requestRow(gw(), cr.uuid)).runtime_token).toBeNull();
  });

  test.each(['COMMITTED', 'FINAL'])(
    'is refused in state %s, naming the field only, and nothing changes',
    async (state) => {
      const cr = await createRequest(gw(), user.token, {
        runtimeToken: rt.apiToken,
        command: ['echo', `refused-${state}`],
      });
      if (state === 'FINAL')
        expect((await updateRequest(gw(), user.token, cr.uuid, { state: 'FINAL' })).errors).toBeUndefined();
      const before = await requestRow(gw(), cr.uuid);
      const another = await issueToken(gw(), user.token);

      for (const token of [another.apiToken, rt.apiToken]) {
        const r = await updateRequest(gw(), user.token, cr.uuid, { runtimeToken: token });
        expect(r.errors?.[0]).toMatchObject({
          message: `runtimeToken cannot be modified in state '${state}'`,
          extensions: { code: 'BAD_USER_INPUT', field: 'runtimeToken' },
        });
        expect(
          found(r.body, {
            ...tokenNeedles('given token', token),
            ...tokenNeedles('stored token', rt.apiToken),
          }),
        ).toEqual([]);
      }
      // Clearing it is a modification too.
      const cleared = await updateRequest(gw(), user.token, cr.uuid, { runtimeToken: null, name: 'x' });
      expect(errorCode(cleared)).toBe('BAD_USER_INPUT');
      expect(await requestRow(gw(), cr.uuid)).toEqual(before);
    },
  );

  describe('must be a valid local v2 token; otherwise "Runtime token failed validation" and nothing written', () => {
    // Built lazily: they need the tokens made in beforeAll.
    const cases: [string, () => Promise<string>][] = [
      ['a v1 token (the bare secret of a valid token)', async () => rt.secret],
      ['a container-bound token (4th part)', async () => `${rt.apiToken}/zzzzz-dz642-000000000000000`],
      ['a malformed uuid', async () => `v2/zzzzz-gj3su-short/${rt.secret}`],
      ['a uuid of another type', async () => `v2/${user.uuid}/${rt.secret}`],
      ['an empty secret', async () => `v2/${rt.uuid}/`],
      ['two parts only', async () => `v2/${rt.uuid}`],
      ['not a token at all', async () => 'hello world'],
      ['the empty string', async () => ''],
      ['an unknown token', async () => `v2/zzzzz-gj3su-${'0'.repeat(15)}/${rt.secret}`],
      ['a known uuid with a wrong secret', async () => `v2/${rt.uuid}/${'x'.repeat(40)}`],
      [
        'an expired token',
        async () => {
          const t = await issueToken(gw(), user.token);
          await expireTokenNow(gw(), t.uuid);
          return t.apiToken;
        },
      ],
      [
        'a token of another cluster, with no REMOTE_CLUSTERS configured',
        async () => `v2/zzzzy-gj3su-${'1'.repeat(15)}/${rt.secret}`,
      ],
    ];

    function expectRefused(
      r: {
        body: string;
        errors?: { message: string; extensions?: Record<string, unknown> }[];
        data?: unknown;
      },
      token: string,
    ) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0]).toMatchObject({
        message: 'Runtime token failed validation',
        extensions: { code: 'BAD_USER_INPUT', field: 'runtimeToken' },
      });
      expect(r.data ?? null).toBeNull();
      const needles: Record<string, string> = { 'valid token': rt.apiToken, 'valid secret': rt.secret };
      if (token.length >= 8) needles['given token'] = token;
      const secretPart = token.split('/')[2];
      if (secretPart && secretPart.length >= 8) needles['given secret'] = secretPart;
      expect(found(r.body, needles)).toEqual([]);
    }

    test.each(cases)('%s', async (_name, make) => {
      const token = await make();
      const before = {
        crs: await count(gw(), 'container_requests'),
        containers: await count(gw(), 'containers'),
      };

      for (const state of ['UNCOMMITTED', 'COMMITTED']) {
        const r = await gw().gql(CREATE, { i: requestInput({ state, runtimeToken: token }) }, user.token);
        expectRefused(r, token);
      }
      expect(await count(gw(), 'container_requests')).toBe(before.crs);
      expect(await count(gw(), 'containers')).toBe(before.containers);

      // On update: the request keeps its token and is not touched (not even modifiedAt).
      const cr = await createRequest(gw(), user.token, { state: 'UNCOMMITTED', runtimeToken: rt.apiToken });
      const row = await requestRow(gw(), cr.uuid);
      for (const input of [
        { runtimeToken: token },
        { runtimeToken: token, name: 'also renamed', state: 'COMMITTED' },
      ]) {
        const u = await updateRequest(gw(), user.token, cr.uuid, input);
        expectRefused(u, token);
        expect(await requestRow(gw(), cr.uuid)).toEqual(row);
      }
      expect(await count(gw(), 'containers')).toBe(before.containers);
    });
  });
});

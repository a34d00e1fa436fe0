// design.md §3 commit step 1 and design.md §4, §8: at commit the runtime token is validated again; the
// container runs as the token's user with its sorted scopes; reuse compares that identity,
// never the token string.

import { createRequest, getContainer, getRequest, updateRequest } from '../helpers/api.js';
import { describeBackends } from '../helpers/gateway.js';
import { containerRow, count, expireTokenNow, requestRow } from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';
import { insertToken, issueToken } from '../helpers/tokens.js';

describeBackends('runtimeToken at commit', (gw) => {
  let submitter: { uuid: string; token: string };
  let runner: { uuid: string; token: string };

  beforeAll(async () => {
    submitter = await gw().newUser();
    runner = await gw().newUser();
  });

  async function expectCommitRefused(crUuid: string) {
    const containersBefore = await count(gw(), 'containers');
    const row = await requestRow(gw(), crUuid);
    const r = await updateRequest(gw(), submitter.token, crUuid, { state: 'COMMITTED' });
    expect(r.errors?.[0]).toMatchObject({
      message: 'Runtime token failed validation',
      extensions: { code: 'BAD_USER_INPUT', field: 'runtimeToken' },
    });
    const after = await requestRow(gw(), crUuid);
    expect(after).toEqual(row);
    expect(after).toMatchObject({ state: 'UNCOMMITTED', container_uuid: null, container_count: 0 });
    expect(await count(gw(), 'containers')).toBe(containersBefore);
  }

  test('a token valid when set but expired by commit time is refused, and the request stays UNCOMMITTED', async () => {
    const rt = await issueToken(gw(), runner.token);
    const cr = await createRequest(gw(), submitter.token, {
      state: 'UNCOMMITTED',
      runtimeToken: rt.apiToken,
    });
    await expireTokenNow(gw(), rt.uuid);
    await expectCommitRefused(cr.uuid);
  });

  test('a token that reaches its own expiresAt before commit is refused', async () => {
    const expiresAt = new Date(Date.now() + 2000);
    const rt = await issueToken(gw(), runner.token, { expiresAt });
    const cr = await createRequest(gw(), submitter.token, {
      state: 'UNCOMMITTED',
      runtimeToken: rt.apiToken,
    });
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 50));
    await expectCommitRefused(cr.uuid);
  });

  test('a token deleted (swept) before commit is refused', async () => {
    const rt = await issueToken(gw(), runner.token);
    const cr = await createRequest(gw(), submitter.token, {
      state: 'UNCOMMITTED',
      runtimeToken: rt.apiToken,
    });
    await sql(gw(), 'DELETE FROM api_client_authorizations WHERE uuid = $1', rt.uuid);
    await expectCommitRefused(cr.uuid);
  });

  test("the container runs as the token's user with its scopes sorted, whoever submits", async () => {
    // Out of order on purpose: the API sorts the scopes it issues, a cached row may not be.
    const rt = await insertToken(gw(), runner.uuid, ['query:zz', 'mutation:updateContainer', 'query:aa']);
    const sorted = ['mutation:updateContainer', 'query:aa', 'query:zz'];

    for (const how of ['create COMMITTED', 'update to COMMITTED'] as const) {
      const command = ['echo', `identity ${how}`];
      const cr =
        how === 'create COMMITTED'
          ? await createRequest(gw(), submitter.token, { command, runtimeToken: rt.apiToken })
          : await (async () => {
              const u = await createRequest(gw(), submitter.token, { command, state: 'UNCOMMITTED' });
              expect(
                (await updateRequest(gw(), submitter.token, u.uuid, { runtimeToken: rt.apiToken })).errors,
              ).toBeUndefined();
              const c = await updateRequest(gw(), submitter.token, u.uuid, { state: 'COMMITTED' });
              expect(c.errors).toBeUndefined();
              return c.data.updateContainerRequest;
            })();
      expect(cr.state).toBe('COMMITTED');
      const owner = await gw().gql(
        'query($u: ID!) { containerRequest(uuid: $u) { ownerUuid } }',
        { u: cr.uuid },
        submitter.token,
      );
      expect(owner.data.containerRequest.ownerUuid).toBe(submitter.uuid);

      // The submitter sees the container (through the request) with the runner's identity.
      const c = await getContainer(gw(), submitter.token, cr.containerUuid);
      expect(c.errors).toBeUndefined();
      expect(c.data.container).toMatchObject({ runtimeUserUuid: runner.uuid, runtimeAuthScopes: sorted });
      const row = await containerRow(gw(), cr.containerUuid);
      expect(row).toMatchObject({
        runtime_token: rt.apiToken,
        runtime_token_uuid: rt.uuid,
        runtime_user_uuid: runner.uuid,
        runtime_auth_scopes: sorted,
      });
    }
  });

  test('without a runtime token the container runs as the committing user with ["all"]', async () => {
    const cr = await createRequest(gw(), submitter.token, { command: ['echo', 'no runtime token'] });
    const c = await getContainer(gw(), submitter.token, cr.containerUuid);
    expect(c.data.container).toMatchObject({ runtimeUserUuid: submitter.uuid, runtimeAuthScopes: ['all'] });
    expect(await containerRow(gw(), cr.containerUuid)).toMatchObject({
      runtime_token: null,
      runtime_token_uuid: null,
    });
  });

  describe('reuse is keyed on the runtime identity, not the token string', () => {
    const command = ['echo', 'reuse by identity'];
    let first: { uuid: string; containerUuid: string };
    let firstToken: string;

    beforeAll(async () => {
      firstToken = (await issueToken(gw(), runner.token)).apiToken;
      first = await createRequest(gw(), submitter.token, { command, runtimeToken: firstToken });
    });

    test('another token of the same user with the same scopes reuses the container (which keeps its token)', async () => {
      const second = await issueToken(gw(), runner.token);
      const cr = await createRequest(gw(), submitter.token, { command, runtimeToken: second.apiToken });
      expect(cr.containerUuid).toBe(first.containerUuid);
      expect((await containerRow(gw(), first.containerUuid)).runtime_token).toBe(firstToken);
      // The second request keeps its own token until it is final.
      expect((await requestRow(gw(), cr.uuid)).runtime_token).toBe(second.apiToken);
    });

    test('the same scopes in another order are the same identity', async () => {
      const a = await insertToken(gw(), runner.uuid, ['query:me', 'mutation:updateContainer']);
      const b = await insertToken(gw(), runner.uuid, ['mutation:updateContainer', 'query:me']);
      const crA = await createRequest(gw(), submitter.token, {
        command: ['echo', 'scope order'],
        runtimeToken: a.apiToken,
      });
      const crB = await createRequest(gw(), submitter.token, {
        command: ['echo', 'scope order'],
        runtimeToken: b.apiToken,
      });
      expect(crB.containerUuid).toBe(crA.containerUuid);
    });

    test('the same user with other scopes does not reuse', async () => {
      const narrow = await issueToken(gw(), runner.token, {
        scopes: ['query:*', 'mutation:updateContainer'],
      });
      const cr = await createRequest(gw(), submitter.token, { command, runtimeToken: narrow.apiToken });
      expect(cr.containerUuid).not.toBe(first.containerUuid);
    });

    test('another user with the same scopes does not reuse', async () => {
      const other = await gw().newUser();
      const t = await issueToken(gw(), other.token);
      const cr = await createRequest(gw(), submitter.token, { command, runtimeToken: t.apiToken });
      expect(cr.containerUuid).not.toBe(first.containerUuid);
    });

    test('the same identity without a runtime token (the runner itself, ["all"]) reuses too', async () => {
      const cr = await createRequest(gw(), runner.token, { command });
      expect(cr.containerUuid).toBe(first.containerUuid);
    });

    test('a request with the same fields and no runtime token, by the submitter, does not reuse', async () => {
      const cr = await createRequest(gw(), submitter.token, { command });
      expect(cr.containerUuid).not.toBe(first.containerUuid);
      const r = await getRequest(gw(), submitter.token, first.uuid);
      expect(r.data.containerRequest.containerUuid).toBe(first.containerUuid);
    });
  });
});

// design.md §4: an inactive user's token is no runtime token — refused at create (and when set
// on an UNCOMMITTED request), at commit and by containerAuth, with nothing half-written.

import { containerAuth, createRequest, lock, requestInput, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { count, requestRow } from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';
import { issueToken } from '../helpers/tokens.js';

const REFUSED = { message: "Runtime token's user is inactive", field: 'runtimeToken' };

// TOKEN_CACHE_SECONDS=0: a user deactivated in the database is seen at once (the cache's bound
// on that is tested in test/auth/token-cache.test.ts).
describeBackends(
  "an inactive user's token as a runtime token",
  (gw) => {
    let submitter: { uuid: string; token: string };
    let dispatcher: string;
    beforeAll(async () => {
      submitter = await gw().newUser();
      dispatcher = (await gw().newUser({ isAdmin: true })).token;
    });

    /** A token of a user who is active now; `deactivate` makes that user inactive. */
    async function runnerToken() {
      const runner = await gw().newUser();
      const rt = await issueToken(gw(), runner.token);
      const deactivate = () => sql(gw(), 'UPDATE users SET is_active = false WHERE uuid = $1', runner.uuid);
      return { rt, deactivate };
    }

    test('create, committed or not: BAD_USER_INPUT naming runtimeToken, and nothing is written', async () => {
      const { rt, deactivate } = await runnerToken();
      await deactivate();
      const before = {
        requests: await count(gw(), 'container_requests'),
        containers: await count(gw(), 'containers'),
      };
      for (const state of ['UNCOMMITTED', 'COMMITTED']) {
        const r = await gw().gql(
          'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }',
          { i: requestInput({ command: ['echo', tag()], state, runtimeToken: rt.apiToken }) },
          submitter.token,
        );
        expectError(r, 'BAD_USER_INPUT', REFUSED);
      }
      expect(await count(gw(), 'container_requests')).toBe(before.requests);
      expect(await count(gw(), 'containers')).toBe(before.containers);
    });

    test('set on an UNCOMMITTED request: refused, the request unchanged', async () => {
      const { rt, deactivate } = await runnerToken();
      await deactivate();
      const cr = await createRequest(gw(), submitter.token, {
        command: ['echo', tag()],
        state: 'UNCOMMITTED',
      });
      const row = await requestRow(gw(), cr.uuid);
      expectError(
        await updateRequest(gw(), submitter.token, cr.uuid, { runtimeToken: rt.apiToken }),
        'BAD_USER_INPUT',
        REFUSED,
      );
      expect(await requestRow(gw(), cr.uuid)).toEqual(row);
    });

    test('a user made inactive between setting the token and the commit: the commit is refused, nothing written', async () => {
      const { rt, deactivate } = await runnerToken();
      const cr = await createRequest(gw(), submitter.token, {
        command: ['echo', tag()],
        state: 'UNCOMMITTED',
        runtimeToken: rt.apiToken,
      });
      await deactivate();
      const row = await requestRow(gw(), cr.uuid);
      const containers = await count(gw(), 'containers');
      expectError(
        await updateRequest(gw(), submitter.token, cr.uuid, { state: 'COMMITTED' }),
        'BAD_USER_INPUT',
        REFUSED,
      );
      expect(await requestRow(gw(), cr.uuid)).toEqual(row);
      expect(row).toMatchObject({ state: 'UNCOMMITTED', container_uuid: null });
      expect(await count(gw(), 'containers')).toBe(containers);
    });

    test('a user made inactive after the commit: containerAuth is FORBIDDEN and hands out no token', async () => {
      const { rt, deactivate } = await runnerToken();
      const cr = await createRequest(gw(), submitter.token, {
        command: ['echo', tag()],
        runtimeToken: rt.apiToken,
      });
      ok(await lock(gw(), dispatcher, cr.containerUuid));
      expect(ok(await containerAuth(gw(), dispatcher, cr.containerUuid)).containerAuth.apiToken).toBe(
        rt.apiToken,
      );
      await deactivate();
      const r = await containerAuth(gw(), dispatcher, cr.containerUuid);
      expectError(r, 'FORBIDDEN', { message: REFUSED.message });
      expect(r.data?.containerAuth ?? null).toBeNull();
      expect(r.body).not.toContain(rt.secret);
    });
  },
  { TOKEN_CACHE_SECONDS: '0' },
);

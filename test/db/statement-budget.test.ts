// How many SQL statements an operation costs, counted from Prisma's query log: each round trip
// to the database is latency and CPU that no index can save, so the hot operations have a
// budget (issue 12: 1 for authentication, 6 per commit; a commit now takes 5, since its answer
// comes from the row its statement wrote). A transaction counts its BEGIN and its
// COMMIT, and on PostgreSQL the NOTIFY of its changes when that is a statement of its own (a
// commit's travels in its commit statement). Counts, not timings: speed itself is measured by `npm run bench`.

import { CONTAINER_AUTH } from '../../src/dispatcher/operations.js';
import { createRequest, lock } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends, startTestGateway } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';

const BUDGET = {
  authentication: 1,
  me: 1,
  /** Beyond authentication, for the lock holder (a dispatcher's admin token). */
  containerAuth: 1,
  commitNewContainer: 5,
  commitReuse: 5,
  commitWithRuntimeToken: 5,
};

const log: { query: string; params: string }[] = [];

/** The statements `work` ran; Prisma logs a transaction's end (an implicit COMMIT or ROLLBACK) but not its BEGIN. */
async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  log.length = 0;
  await work();
  const out: string[] = [];
  for (const { query } of log) {
    if (/Implicit "(COMMIT|ROLLBACK)"/.test(query)) out.push('BEGIN');
    out.push(query.replace(/\s+/g, ' ').trim());
  }
  return out;
}

describeBackends(
  'SQL statements per operation',
  (gw) => {
    let user: { uuid: string; token: string };
    let other: { uuid: string; token: string };
    beforeAll(async () => {
      user = await gw().newUser();
      other = await gw().newUser();
      // Unmeasured: anything done once per process.
      await createRequest(gw(), user.token, { command: ['echo', tag(), 'warm-up'] });
    });

    test(`authentication: ${BUDGET.authentication} (a query that reads nothing else)`, async () => {
      const s = await statementsOf(async () => ok(await gw().gql('{ __typename }', {}, user.token)));
      expect(s.length).toBeGreaterThan(0); // the token was checked
      expect(s.length).toBeLessThanOrEqual(BUDGET.authentication);
      expect(s.every((q) => /api_client_authorizations|users/.test(q))).toBe(true);
    });

    test(`{ me }: ${BUDGET.me}`, async () => {
      const s = await statementsOf(async () => ok(await gw().gql('{ me { uuid isAdmin } }', {}, user.token)));
      expect(s.length).toBeLessThanOrEqual(BUDGET.me);
    });

    test(`containerAuth: ${BUDGET.containerAuth} beyond authentication (the generated token and the runtime token alike)`, async () => {
      const generated = await createRequest(gw(), user.token, { command: ['echo', tag(), 'auth'] });
      const withRuntime = await createRequest(gw(), user.token, {
        command: ['echo', tag(), 'auth-rt'],
        runtimeToken: other.token,
      });
      for (const { containerUuid } of [generated, withRuntime]) {
        await lock(gw(), gw().rootToken, containerUuid);
        // The dispatcher's own query (a selected `user` would cost the relation's read).
        const s = await statementsOf(async () =>
          ok(await gw().gql(CONTAINER_AUTH, { uuid: containerUuid }, gw().rootToken)),
        );
        // The runtime token's re-validation reads its row (authentication's statement) too.
        const validations = s.filter((q) => /FROM api_client_authorizations t JOIN users u/.test(q)).length;
        expect(s.length - validations).toBeLessThanOrEqual(BUDGET.containerAuth);
      }
    });

    test(`with TOKEN_CACHE_SECONDS, a token just validated is not read again: { me } in 0`, async () => {
      const cached = await startTestGateway(
        gw().backend,
        { TOKEN_CACHE_SECONDS: '60' },
        { log: (e) => log.push(e) },
      );
      try {
        ok(await cached.gql('{ me { uuid } }', {}, cached.rootToken));
        const s = await statementsOf(async () =>
          ok(await cached.gql('{ me { uuid isAdmin } }', {}, cached.rootToken)),
        );
        expect(s).toEqual([]);
      } finally {
        await cached.close();
      }
    });

    test(`a commit that creates a container: ${BUDGET.commitNewContainer}; onto a reused one: ${BUDGET.commitReuse}`, async () => {
      const command = ['echo', tag(), 'budget'];
      let first: { containerUuid: string } | undefined;
      const created = await statementsOf(
        async () => (first = await createRequest(gw(), user.token, { command })),
      );
      expect(created.length).toBeLessThanOrEqual(BUDGET.commitNewContainer);
      let again: { containerUuid: string } | undefined;
      const reused = await statementsOf(
        async () => (again = await createRequest(gw(), user.token, { command })),
      );
      expect(again!.containerUuid).toBe(first!.containerUuid);
      expect(reused.length).toBeLessThanOrEqual(BUDGET.commitReuse);
    });

    test(`a commit with a runtimeToken: ${BUDGET.commitWithRuntimeToken}`, async () => {
      const s = await statementsOf(() =>
        createRequest(gw(), user.token, { command: ['echo', tag(), 'runtime'], runtimeToken: other.token }),
      );
      expect(s.length).toBeLessThanOrEqual(BUDGET.commitWithRuntimeToken);
    });
  },
  // The budget is what an operation costs with its token read (the cache off); the cached case above.
  { TOKEN_CACHE_SECONDS: '0' },
  { log: (e) => log.push(e) },
);

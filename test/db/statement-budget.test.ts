// How many SQL statements an operation costs, counted from Prisma's query log: each round trip
// to the database is latency and CPU that no index can save, so the hot operations have a
// budget (issue 12: 1 for authentication, 6 per commit; a commit now takes 5, since its answer
// comes from the row its statement wrote). A transaction counts its BEGIN and its
// COMMIT, and on PostgreSQL the NOTIFY of its changes when that is a statement of its own (a
// commit's travels in its commit statement). Counts, not timings: speed itself is measured by `npm run bench`.

import { createRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';

const BUDGET = {
  authentication: 1,
  me: 1,
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
  {},
  { log: (e) => log.push(e) },
);

// Ordinary requests pay no container lookup: a plain token's container is looked up only by the
// resolvers that need it (currentContainer, containerSecretMounts, requests made by containers).

import { errorCode, ok } from '../helpers/assert.js';
import { type Data, eachBackend, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { containerIn, containerToken } from '../helpers/lifecycle.js';

eachBackend(`container binding cost`, (backend) => {
  let gw: TestGateway;
  const queries: string[] = [];
  beforeAll(async () => {
    gw = await startTestGateway(backend, {}, { log: (e) => queries.push(e.query) });
  });
  afterAll(async () => {
    await gw?.close();
  });
  const containerQueries = async (run: () => Promise<unknown>) => {
    queries.length = 0;
    await run();
    return queries.filter((q) => /FROM "public"\."containers"/.test(q)).length;
  };

  test('`me` with a plain token reads no container', async () => {
    const user = await gw.newUser();
    expect(await containerQueries(async () => ok(await gw.gql('{ me { uuid } }', {}, user.token)))).toBe(0);
  });

  test("a container's generated token: `me` reads none, currentContainer looks it up", async () => {
    const user = await gw.newUser();
    const { containerUuid, dispatcher } = await containerIn(gw, user.token, 'RUNNING');
    const own = await containerToken(gw, dispatcher, containerUuid);
    expect(await containerQueries(async () => ok(await gw.gql('{ me { uuid } }', {}, own)))).toBe(0);
    let current: Data;
    expect(
      await containerQueries(
        async () => (current = ok(await gw.gql('{ currentContainer { uuid } }', {}, own))),
      ),
    ).toBeGreaterThan(0);
    expect(current.currentContainer.uuid).toBe(containerUuid);
  });

  test('a container-bound 4th part is checked at authentication (refused when not its own)', async () => {
    const user = await gw.newUser();
    const { containerUuid } = await containerIn(gw, user.token, 'RUNNING');
    const r = await gw.gql('{ me { uuid } }', {}, `${user.token}/${containerUuid}`);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });
});

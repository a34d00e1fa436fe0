import { createRequest, lock } from '../helpers/api.js';
import { describeBackends } from '../helpers/gateway.js';
import { readContainer, tag } from '../helpers/lifecycle.js';
import { tokenUuid } from '../helpers/tokens.js';

describeBackends('concurrent lockContainer', (gw) => {
  test('20 admin tokens lock one container at once: exactly one wins, 19 CONFLICT', async () => {
    const user = await gw().newUser();
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const dispatchers = await Promise.all(Array.from({ length: 20 }, () => gw().newUser({ isAdmin: true })));

    const results = await Promise.all(dispatchers.map((d) => lock(gw(), d.token, cr.containerUuid)));

    const winners = results.flatMap((r, i) => (r.errors ? [] : [i]));
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => r.errors);
    expect(losers).toHaveLength(19);
    for (const r of losers) {
      expect(r.errors![0]!.extensions!.code).toBe('CONFLICT');
      expect(r.errors![0]!.message).toBe('cannot lock when LOCKED');
    }
    const winner = dispatchers[winners[0]!]!;
    const c = await readContainer(gw(), gw().rootToken, cr.containerUuid);
    expect(c.state).toBe('LOCKED');
    expect(c.lockedByUuid).toBe(await tokenUuid(gw(), winner.token));
    // One generated token, the winner's.
    expect(results[winners[0]!]!.data.lockContainer.authUuid).toBe(c.authUuid);
    const tokens = await gw().gql(
      `{ containerAuth(uuid: "${cr.containerUuid}") { uuid } }`,
      {},
      winner.token,
    );
    expect(tokens.data.containerAuth.uuid).toBe(c.authUuid);
  });
});

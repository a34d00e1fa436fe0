// design.md §2 issuing a token: a container's token (its generated token, or any token in
// container-bound form) cannot create tokens, and a minted token never expires later than the
// token that minted it (clamped). So no path leaves a working token behind a finished container.

import { updateContainer } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { containerIn, containerToken } from '../helpers/lifecycle.js';
import { count } from '../helpers/secrets.js';
import { bound, issueToken, tokenUuid } from '../helpers/tokens.js';

const CREATE = `mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid apiToken expiresAt } }`;
const REFUSED = { message: "A container's token cannot create tokens" };

describeBackends('minting tokens: never by a container, never outliving the maker', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });
  const tokenCount = () => count(gw(), 'api_client_authorizations');

  test("a container's generated token cannot create a token; once the container is final it works nowhere", async () => {
    const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
    const generated = await containerToken(gw(), dispatcher, containerUuid);
    const before = await tokenCount();
    for (const token of [generated, bound(generated, containerUuid)]) {
      expectError(await gw().gql(CREATE, { i: {} }, token), 'FORBIDDEN', REFUSED);
      expectError(
        await gw().gql(
          CREATE,
          { i: { scopes: ['query:me'], expiresAt: new Date(Date.now() + 60_000).toISOString() } },
          token,
        ),
        'FORBIDDEN',
        REFUSED,
      );
    }
    expect(await tokenCount()).toBe(before);
    // While RUNNING the token itself works; the container final, nothing it held does.
    expect(await tokenUuid(gw(), generated)).toBeDefined();
    ok(await updateContainer(gw(), dispatcher, containerUuid, { state: 'COMPLETE', exitCode: 0 }));
    expectError(await gw().gql('{ me { uuid } }', {}, generated), 'UNAUTHENTICATED');
  });

  test("a runtime token in container-bound form cannot create a token; in plain form it is its user's own", async () => {
    const rt = await issueToken(gw(), user.token);
    const { containerUuid } = await containerIn(gw(), user.token, 'RUNNING', {
      overrides: { runtimeToken: rt.apiToken },
    });
    expectError(await gw().gql(CREATE, { i: {} }, bound(rt.apiToken, containerUuid)), 'FORBIDDEN', REFUSED);
    expect(
      ok(await gw().gql(CREATE, { i: { scopes: ['query:me'] } }, rt.apiToken)).createApiClientAuthorization
        .expiresAt,
    ).toBeNull();
  });

  test('an expiring token mints tokens that expire no later than it does (clamped, not refused)', async () => {
    const makerExpiry = new Date(Date.now() + 10 * 60_000);
    const maker = await issueToken(gw(), user.token, { expiresAt: makerExpiry });
    const expiryOf = async (i: Record<string, unknown>) =>
      ok(await gw().gql(CREATE, { i }, maker.apiToken)).createApiClientAuthorization.expiresAt as string;
    // No expiry asked (never), or a later one: the maker's.
    expect(Date.parse(await expiryOf({}))).toBe(makerExpiry.getTime());
    expect(Date.parse(await expiryOf({ expiresAt: new Date(Date.now() + 86_400_000).toISOString() }))).toBe(
      makerExpiry.getTime(),
    );
    // An earlier one: as asked.
    const sooner = new Date(Date.now() + 60_000);
    expect(Date.parse(await expiryOf({ expiresAt: sooner.toISOString() }))).toBe(sooner.getTime());
    // And a token minted by a minted token is bound by the first maker too.
    const child = ok(await gw().gql(CREATE, { i: {} }, maker.apiToken)).createApiClientAuthorization;
    const grandchild = ok(await gw().gql(CREATE, { i: {} }, child.apiToken)).createApiClientAuthorization;
    expect(Date.parse(grandchild.expiresAt)).toBeLessThanOrEqual(makerExpiry.getTime());
  });

  test('an admin token that expires clamps the tokens it makes for other users as well', async () => {
    const adminExpiry = new Date(Date.now() + 10 * 60_000);
    const admin = await issueToken(gw(), gw().rootToken, { expiresAt: adminExpiry });
    const made = ok(
      await gw().gql(CREATE, { i: { userUuid: user.uuid } }, admin.apiToken),
    ).createApiClientAuthorization;
    expect(Date.parse(made.expiresAt)).toBe(adminExpiry.getTime());
  });
});

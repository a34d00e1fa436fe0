// Secrecy (e): a dump of every text, JSON and array column of every table finds no runtime token
// (whole or its secret) and no secret-mount content anywhere, while things run and once the
// containers and their requests are final — not even in the token's own api_client_authorizations
// row, which holds the secret's digest and the secret sealed (README "Secrets at rest"), and which
// the scrub must leave valid. The dump taken while things run finds the sealed secret columns, so
// it is not blind.
import { digestSecret } from '../../src/format/salt.js';
import { containerAuth, createRequest, updateContainer, updateRequest } from '../helpers/api.js';
import { describeBackends } from '../helpers/gateway.js';
import {
  dump,
  found,
  lockAndRun,
  mountSecret,
  secretMounts,
  tokenNeedles,
  tokenRow,
} from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';
import { bound, type IssuedToken, issueToken } from '../helpers/tokens.js';

describeBackends('secrecy: the database after everything is final', (gw) => {
  test('holds no runtime token and no secret mount content in the clear', async () => {
    const owner = await gw().newUser();
    const runner = await gw().newUser();
    const dispatcher = (await gw().newUser({ isAdmin: true })).token;
    const needles: Record<string, string> = {};
    const runtimeTokens: IssuedToken[] = [];
    let n = 0;
    async function rtOf(user: { token: string }) {
      const t = await issueToken(gw(), user.token);
      runtimeTokens.push(t);
      Object.assign(needles, tokenNeedles(`runtime token ${runtimeTokens.length}`, t.apiToken));
      return t;
    }
    function mount(tag: string) {
      const c = mountSecret(`${tag}-`);
      needles[`secret mount ${tag}`] = c;
      return secretMounts(c, `/secret/${tag}`);
    }
    const submit = async (
      by: { token: string },
      tokenOf: { token: string },
      extra: Record<string, unknown> = {},
      mounts = mount(`m${n}`),
    ) =>
      createRequest(gw(), by.token, {
        command: ['echo', `dump ${n++}`],
        runtimeToken: (await rtOf(tokenOf)).apiToken,
        secretMounts: mounts,
        ...extra,
      });

    // 1. Run to COMPLETE; 2. a request reusing it (final at once), same mounts, another token.
    const a = await submit(owner, owner, { command: ['echo', 'complete'] }, mount('a'));
    await lockAndRun(gw(), dispatcher, a.containerUuid);
    expect(
      (await updateContainer(gw(), dispatcher, a.containerUuid, { state: 'COMPLETE', exitCode: 0 })).errors,
    ).toBeUndefined();
    const b = await createRequest(gw(), owner.token, {
      command: ['echo', 'complete'],
      runtimeToken: (await rtOf(owner)).apiToken,
      secretMounts: secretMounts(needles['secret mount a']!, '/secret/a'),
    });
    expect(b).toMatchObject({ state: 'FINAL', containerUuid: a.containerUuid });

    // 3. Another user's runtime token: RUNNING, cancelled, retried, completed by itself; on the
    //    way, the running container submits a child request with a runtime token of its own.
    const c = await submit(owner, runner, {}, mount('c'));
    const rtC = runtimeTokens.at(-1)!;
    await lockAndRun(gw(), dispatcher, c.containerUuid);
    await submit(owner, runner, {}, mount('queued')); // stays QUEUED until the end
    const childOfContainer = await createRequest(gw(), bound(rtC.apiToken, c.containerUuid), {
      command: ['echo', 'child'],
      runtimeToken: (await rtOf(runner)).apiToken,
      secretMounts: mount('grandchild'),
    });
    expect(childOfContainer.requestingContainerUuid).toBe(c.containerUuid);

    // While they run the secret columns hold the secrets sealed (README "Secrets at rest"),
    // none in the clear, the tokens' own secrets included.
    const during = await dump(gw());
    const seen = new Set(
      during.cells.flatMap((cell) => found(cell.value, needles).map(() => `${cell.table}.${cell.column}`)),
    );
    expect([...seen]).toEqual([]);
    for (const col of [
      'api_client_authorizations.sealed_secret',
      'containers.runtime_token',
      'containers.secret_mounts',
      'container_requests.runtime_token',
      'container_requests.secret_mounts',
    ]) {
      const values = during.cells.filter(
        (cell) => `${cell.table}.${cell.column}` === col && cell.value !== '{}',
      );
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect(v.value).toMatch(/^"?sb1\./);
    }

    expect(
      (await updateContainer(gw(), dispatcher, c.containerUuid, { state: 'CANCELLED' })).errors,
    ).toBeUndefined();
    const retried = (
      await sql<{ container_uuid: string }>(
        gw(),
        'SELECT container_uuid FROM container_requests WHERE uuid = $1',
        c.uuid,
      )
    )[0]!.container_uuid;
    expect(retried).not.toBe(c.containerUuid);
    await lockAndRun(gw(), dispatcher, retried);
    expect((await containerAuth(gw(), dispatcher, retried)).data.containerAuth.apiToken).toBe(rtC.apiToken);
    expect(
      (await updateContainer(gw(), bound(rtC.apiToken, retried), retried, { state: 'COMPLETE', exitCode: 0 }))
        .errors,
    ).toBeUndefined();

    // 4. A request cancelled (priority 0) while its container is queued: the container is
    // withdrawn (cancelled) with it. 5. The same with a request set FINAL by its owner.
    const d = await submit(owner, owner);
    expect((await updateRequest(gw(), owner.token, d.uuid, { priority: 0 })).errors).toBeUndefined();
    const f = await submit(owner, owner);
    expect((await updateRequest(gw(), owner.token, f.uuid, { state: 'FINAL' })).errors).toBeUndefined();
    expect(
      await sql(
        gw(),
        `SELECT r.state::text AS request, c.state::text AS container FROM container_requests r
           JOIN containers c ON c.uuid = r.container_uuid WHERE r.uuid IN ($1, $2)`,
        d.uuid,
        f.uuid,
      ),
    ).toEqual([
      { request: 'FINAL', container: 'CANCELLED' },
      { request: 'FINAL', container: 'CANCELLED' },
    ]);
    // 6. An uncommitted request deleted.
    const e = await submit(owner, owner, { state: 'UNCOMMITTED' });
    expect(
      (
        await gw().gql(
          'mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId } }',
          { u: e.uuid },
          owner.token,
        )
      ).errors,
    ).toBeUndefined();

    // The owner gives up on what is left: the container still waiting (the queued one's; the
    // child's went with its cancelled parent) is withdrawn work, cancelled with its request
    // (design.md §3).
    const open = await sql<{ uuid: string }>(
      gw(),
      `SELECT uuid FROM container_requests WHERE state = 'COMMITTED'`,
    );
    for (const r of open)
      expect((await updateRequest(gw(), gw().rootToken, r.uuid, { state: 'FINAL' })).errors).toBeUndefined();

    // Everything final.
    expect(
      await sql(gw(), `SELECT uuid FROM containers WHERE state NOT IN ('COMPLETE', 'CANCELLED')`),
    ).toEqual([]);
    expect(await sql(gw(), `SELECT uuid FROM container_requests WHERE state <> 'FINAL'`)).toEqual([]);

    const after = await dump(gw());
    const leaks = after.cells.flatMap((cell) =>
      found(cell.value, needles).map((needle) => `${cell.table}.${cell.column} (${cell.id}): ${needle}`),
    );
    expect(leaks).toEqual([]);
    // The dump covered the secret columns.
    for (const col of [
      'containers.runtime_token',
      'containers.secret_mounts',
      'container_requests.runtime_token',
      'container_requests.secret_mounts',
    ]) {
      expect(after.columns).toContain(col);
    }

    // The tokens' own rows are intact: not revoked, not expired, still valid.
    for (const t of runtimeTokens) {
      expect(await tokenRow(gw(), t.uuid)).toMatchObject({
        secret_digest: digestSecret(t.secret),
        expires_at: null,
      });
      expect((await gw().gql('{ me { uuid } }', {}, t.apiToken)).data?.me?.uuid).toBe(t.userUuid);
    }
  });
});

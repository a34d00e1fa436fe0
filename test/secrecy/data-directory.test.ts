// Secrets at rest (README "Secrets at rest"): the database's files, not only its live rows. After
// a full lifecycle (create with a runtime token and secret mounts, lock, containerAuth, run,
// COMPLETE, and one without a runtime token, run with the token generated at lock) the whole
// embedded data directory (heap pages and WAL) — or, on PostgreSQL, a pg_dump of the database and
// the server's own data directory where readable — holds no token's secret part (root, users',
// dispatcher's, runtime, generated) and no secret-mount content: they were only ever written
// sealed, a token's own row holding its secret's digest and the secret sealed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { containerAuth, createRequest, updateContainer } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends, type TestGateway } from '../helpers/gateway.js';
import {
  containerSecretMounts,
  lockAndRun,
  mountSecret,
  runningWithSecrets,
  secretMounts,
} from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';
import { secretOf } from '../helpers/tokens.js';

/** Which needles occur anywhere in the database's files; `where` says what was searched. */
async function searchFiles(gw: TestGateway, needles: string[]): Promise<{ hits: string[]; where: string[] }> {
  const { adapter } = gw.gateway.services.db;
  await sql(gw, 'CHECKPOINT'); // pages written out, not only in the WAL
  const where: string[] = [];
  const hits: string[] = [];
  const search = (name: string, bytes: Buffer) => {
    where.push(name);
    for (const n of needles) if (bytes.includes(n)) hits.push(`${name}: ${n}`);
  };
  if (adapter.pglite) {
    // The whole data directory, as a tar of its files (uncompressed).
    const tar = await adapter.pglite.dumpDataDir('none');
    search('PGlite data directory', Buffer.from(await tar.arrayBuffer()));
    return { hits, where };
  }
  const url = (adapter.target as { url: string }).url;
  const dump = spawnSync('pg_dump', [url], { maxBuffer: 1 << 30 });
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr}`);
  search('pg_dump', dump.stdout);
  const [{ dir }] = (await sql<{ dir: string }>(
    gw,
    'SELECT current_setting($1) AS dir',
    'data_directory',
  )) as [{ dir: string }];
  try {
    fs.accessSync(dir, fs.constants.R_OK);
  } catch {
    console.warn(`Not searching PostgreSQL's data directory ${dir}: not readable here`);
    return { hits, where };
  }
  const grep = spawnSync('grep', ['-rlF', ...needles.flatMap((n) => ['-e', n]), dir], { encoding: 'utf8' });
  where.push(`PostgreSQL data directory ${dir}`);
  // Other tests' databases are dropped while grep walks the directory: a file gone by the time
  // grep opens it is not an error; anything else is.
  const errors = grep.stderr.split('\n').filter((l) => l && !l.endsWith('No such file or directory'));
  if (grep.status === 2 && errors.length > 0) throw new Error(`grep failed: ${errors.join('\n')}`);
  for (const file of grep.stdout.split('\n').filter(Boolean)) hits.push(`${file}`);
  return { hits, where };
}

describeBackends('secrecy: the database files after a full lifecycle', (gw) => {
  test("hold no token's secret and no secret-mount content, while the secrets were usable all along", async () => {
    const { owner, dispatcher, runtimeToken, content, cr } = await runningWithSecrets(gw(), 'files');
    expect(ok(await containerAuth(gw(), dispatcher, cr.containerUuid)).containerAuth.apiToken).toBe(
      runtimeToken,
    );
    expect(await containerSecretMounts(gw(), runtimeToken, cr.containerUuid)).toEqual(secretMounts(content));
    ok(await updateContainer(gw(), dispatcher, cr.containerUuid, { state: 'COMPLETE', exitCode: 0 }));

    // Without a runtime token: the container runs with a token generated at lock, which
    // containerAuth hands out (opened from its sealed secret) and which works while it runs.
    const plain = await createRequest(gw(), owner.token, { command: ['echo', 'generated token'] });
    await lockAndRun(gw(), dispatcher, plain.containerUuid!);
    const generated = ok(await containerAuth(gw(), dispatcher, plain.containerUuid!)).containerAuth.apiToken!;
    expect(ok(await gw().gql('{ me { uuid } }', {}, generated)).me.uuid).toBe(owner.uuid);
    ok(await updateContainer(gw(), generated, plain.containerUuid!, { state: 'COMPLETE', exitCode: 0 }));

    const tokens = [gw().rootToken, owner.token, dispatcher, runtimeToken, generated];
    // The secret part alone: found wherever the whole token string would be.
    const { hits, where } = await searchFiles(gw(), [...tokens.map(secretOf), content]);
    expect(where.length).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });

  test('the search is not blind: a secret written in the clear is found', async () => {
    const needle = mountSecret('clear-');
    await sql(gw(), `UPDATE users SET full_name = $1 WHERE uuid = (SELECT min(uuid) FROM users)`, needle);
    const { hits } = await searchFiles(gw(), [needle]);
    expect(hits.length).toBeGreaterThan(0);
  });
});

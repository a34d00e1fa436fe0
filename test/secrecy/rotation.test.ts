// Secrets at rest: the key can be rotated while secrets are live (README "Secrets at rest").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { resealSecrets } from '../../src/domain/reseal.js';
import { keyFileFor, loadSecretBox, readKeyFile } from '../../src/domain/secrets-key.js';
import { findLocalToken } from '../../src/domain/tokens.js';
import { createUser } from '../../src/domain/users.js';
import { saltSecret } from '../../src/format/salt.js';
import { keyId, newSecretsKey, SecretBox, SecretBoxError } from '../../src/format/secret-box.js';
import { containerAuth, createRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends, TEST_SECRETS_KEY } from '../helpers/gateway.js';
import {
  containerRow,
  containerSecretMounts,
  lockAndRun,
  mountSecret,
  requestRow,
  runningWithSecrets,
  secretMounts,
} from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';
import { pgliteTemplatePath } from '../helpers/templates.js';
import { secretOf, uuidOf } from '../helpers/tokens.js';

describeBackends('secrets at rest: key rotation', (gw) => {
  test('a rotated key still opens what is live: containerAuth, the secret mounts and token secrets after rotation', async () => {
    const { owner, dispatcher, runtimeToken, content, cr } = await runningWithSecrets(gw(), 'rotate');
    // And one run with the token generated at lock: containerAuth opens that token's sealed secret.
    const plain = await createRequest(gw(), owner.token, { command: ['echo', 'rotate generated'] });
    await lockAndRun(gw(), dispatcher, plain.containerUuid!);
    const generated = ok(await containerAuth(gw(), dispatcher, plain.containerUuid!)).containerAuth.apiToken!;
    const services = gw().gateway.services;
    const tokenSealedWith = async (uuid: string) =>
      (
        await sql<{ s: string }>(
          gw(),
          'SELECT sealed_secret AS s FROM api_client_authorizations WHERE uuid = $1',
          uuid,
        )
      )[0]!.s.split('.')[1];
    const old = Buffer.from(TEST_SECRETS_KEY, 'hex');
    const fresh = newSecretsKey();
    const sealedWith = async () =>
      (
        await sql<{ t: string }>(
          gw(),
          'SELECT runtime_token AS t FROM containers WHERE uuid = $1',
          cr.containerUuid,
        )
      )[0]!.t.split('.')[1];
    expect(await sealedWith()).toBe(keyId(old));
    expect(await tokenSealedWith(uuidOf(runtimeToken))).toBe(keyId(old));

    // SECRETS_KEY=<new>,<old>: the old key still opens what it sealed; the rotation reseals it.
    services.secrets = new SecretBox([fresh, old]);
    expect(ok(await containerAuth(gw(), dispatcher, cr.containerUuid)).containerAuth.apiToken).toBe(
      runtimeToken,
    );
    expect(await resealSecrets(services.db.prisma, services.secrets)).toBeGreaterThanOrEqual(2);
    expect(await sealedWith()).toBe(keyId(fresh));
    expect(await tokenSealedWith(uuidOf(runtimeToken))).toBe(keyId(fresh));
    expect(await tokenSealedWith(uuidOf(generated))).toBe(keyId(fresh));
    expect(await resealSecrets(services.db.prisma, services.secrets)).toBe(0); // nothing left to do

    // SECRETS_KEY=<new> alone: everything live still opens.
    services.secrets = new SecretBox([fresh]);
    try {
      expect(ok(await containerAuth(gw(), dispatcher, cr.containerUuid)).containerAuth.apiToken).toBe(
        runtimeToken,
      );
      expect(await containerSecretMounts(gw(), runtimeToken, cr.containerUuid)).toEqual(
        secretMounts(content),
      );
      expect(ok(await containerAuth(gw(), dispatcher, plain.containerUuid!)).containerAuth.apiToken).toBe(
        generated,
      );
      // The salted form (for a remote cluster asking about the token) is checked with the
      // opened secret: the new key alone opens it.
      const salted = {
        version: 2 as const,
        uuid: uuidOf(runtimeToken),
        secret: saltSecret(secretOf(runtimeToken), 'bbbbb'),
      };
      const found = await findLocalToken(services.db.prisma, salted, {
        remoteClusterId: 'bbbbb',
        salting: services.secrets,
      });
      expect(found).toMatchObject({ token: { uuid: uuidOf(runtimeToken) }, saltedFor: 'bbbbb' });
      expect((await requestRow(gw(), cr.uuid)).runtime_token).toBe(runtimeToken);
      expect(JSON.parse((await containerRow(gw(), cr.containerUuid)).secret_mounts)).toEqual(
        secretMounts(content),
      );
      // And the old key alone no longer opens anything live.
      const raw = (
        await sql<{ t: string }>(
          gw(),
          'SELECT runtime_token AS t FROM containers WHERE uuid = $1',
          cr.containerUuid,
        )
      )[0]!.t;
      expect(() => new SecretBox([old]).open(raw)).toThrow(SecretBoxError);
    } finally {
      services.secrets = new SecretBox([old]);
      await resealSecrets(services.db.prisma, new SecretBox([old, fresh]));
    }
  });
});

describe('the embedded database’s key file and rotate-secrets-key', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-keyfile-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the key file is made beside the data directory (mode 0600), and the CLI rotates it with live secrets', async () => {
    const dataDir = path.join(dir, 'data');
    const config = loadConfig({ DATA_DIR: dataDir });
    const db = await openDatabase(config.database, {
      loadDataDir: new Blob([fs.readFileSync(pgliteTemplatePath())]),
    });
    const token = `v2/zzzzz-gj3su-${'a'.repeat(15)}/${'s'.repeat(40)}`;
    const content = mountSecret('keyfile-');
    let uuid: string;
    try {
      const { box, keyFile } = loadSecretBox(config, db.adapter.target);
      expect(keyFile).toBe(keyFileFor(dataDir));
      expect(path.dirname(keyFile!)).toBe(dir); // beside the directory, not in it
      expect(fs.statSync(keyFile!).mode & 0o777).toBe(0o600);
      const user = await createUser(db.prisma, 'zzzzz', { email: 'keys@example.com', fullName: 'Keys' });
      uuid = 'zzzzz-xvhdp-keyfilerotation';
      await db.prisma.containerRequest.create({
        data: {
          uuid,
          ownerUuid: user.uuid,
          command: ['true'],
          containerImage: 'img',
          outputPath: '/out',
          runtimeToken: box.sealToken(token),
          secretMounts: box.sealMounts(secretMounts(content)),
        },
      });
    } finally {
      await db.close();
    }
    const before = readKeyFile(keyFileFor(dataDir));

    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['rotate-secrets-key'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      {
        DATA_DIR: dataDir,
      },
    );
    expect(err.join('\n')).toContain('holds it alone');
    expect(code).toBe(0);
    expect(out).toEqual(['1']);
    const after = readKeyFile(keyFileFor(dataDir));
    expect(after).toHaveLength(1);
    expect(after[0]!.equals(before[0]!)).toBe(false);
    expect(fs.statSync(keyFileFor(dataDir)).mode & 0o777).toBe(0o600);

    const again = await openDatabase(config.database);
    try {
      const [row] = await again.prisma.$queryRawUnsafe<{ runtime_token: string; secret_mounts: unknown }[]>(
        'SELECT runtime_token, secret_mounts FROM container_requests WHERE uuid = $1',
        uuid!,
      );
      const box = new SecretBox(after);
      expect(box.openToken(row!.runtime_token)).toBe(token);
      expect(box.openMounts(row!.secret_mounts)).toEqual(secretMounts(content));
      expect(() => new SecretBox(before).open(row!.runtime_token)).toThrow(SecretBoxError);
    } finally {
      await again.close();
    }
  }, 180_000);
});

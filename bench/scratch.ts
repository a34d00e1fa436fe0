// What the benchmarks share: scratch PostgreSQL databases, and the domain called directly as the
// system's admin user.
import crypto from 'node:crypto';
import pg from 'pg';
import type { Config } from '../src/config.js';
import type { Caller } from '../src/core/caller.js';
import type { Database } from '../src/db/client.js';
import { bootstrapSystem } from '../src/domain/bootstrap.js';
import type { DomainContext } from '../src/domain/context.js';
import { loadSecretBox } from '../src/domain/secrets-key.js';
import { newSecretsKey } from '../src/format/secret-box.js';
import { Logger } from '../src/server/logger.js';
import { createServices } from '../src/server/services.js';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** New PostgreSQL databases beside ADMIN_URL, named after `stem`, all dropped by drop(). */
export async function scratchDatabases(stem: string) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const names: string[] = [];
  return {
    /** A new database; returns its URL. */
    async create(suffix = ''): Promise<string> {
      const name = `bench_${stem}_${process.pid}_${crypto.randomBytes(3).toString('hex')}${suffix}`;
      await admin.query(`CREATE DATABASE "${name}"`);
      names.push(name);
      const url = new URL(ADMIN_URL);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async drop(): Promise<void> {
      for (const n of names) await admin.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
}

/** The environment of a gateway process on the database at `url`, with `rootToken` as its system root. */
export function gatewayEnv(url: string, rootToken: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    SECRETS_KEY: newSecretsKey().toString('hex'), // a scratch database: a key of this run
    SYSTEM_ROOT_TOKEN: rootToken,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn', // no request lines: the load would be mostly log writing
  };
}

/** The domain's context for the bootstrapped admin user on `db` (announcing nothing). */
export async function adminDomain(db: Database, config: Config): Promise<DomainContext> {
  const secrets = loadSecretBox(config, db.adapter.target).box;
  await bootstrapSystem(db.prisma, secrets, config.clusterId, undefined);
  const services = createServices(config, db, secrets, new Logger(() => {}));
  const user = await db.prisma.user.findFirstOrThrow({ where: { isAdmin: true } });
  const token = await db.prisma.apiClientAuthorization.findFirstOrThrow({
    where: { userUuid: user.uuid },
    omit: { secretDigest: true, sealedSecret: true },
  });
  const caller: Caller = { user, token, containerUuid: async () => null, knownContainerUuid: () => null };
  return {
    prisma: db.prisma,
    validator: services.validator,
    config,
    caller,
    secrets: services.secrets,
    announce: () => {},
  };
}

import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { DatabaseTarget } from '../db/adapter.js';
import { newSecretsKey, parseSecretsKey, SecretBox } from '../format/secret-box.js';

export class SecretsKeyError extends Error {}

/**
 * Where the embedded database's generated key lives: beside the data directory, never in it,
 * so that a copy or backup of the directory holds no key (`./data` → `./data.secrets-key`).
 */
export function keyFileFor(dataDir: string): string {
  return `${path.resolve(dataDir)}.secrets-key`;
}

/** The keys of a key file, one a line (hex), the sealing key first. */
export function readKeyFile(file: string): Buffer[] {
  const keys = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseSecretsKey(l));
  if (keys.length === 0 || keys.some((k) => k === null))
    throw new SecretsKeyError(`${file} is not a secrets key file (lines of 64 hex digits)`);
  return keys as Buffer[];
}

/** Replaces the key file in one step (written aside, then renamed), readable by its owner only. */
export function writeKeyFile(file: string, keys: Buffer[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, keys.map((k) => `${k.toString('hex')}\n`).join(''), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * The secret box of a database: SECRETS_KEY when set; for an embedded database on disk, its
 * key file (made on first use, mode 0600); for an in-memory one, a key of its own lifetime.
 * A PostgreSQL database needs SECRETS_KEY: every gateway sharing it must hold the same key.
 */
export function loadSecretBox(config: Config, target: DatabaseTarget): { box: SecretBox; keyFile?: string } {
  if (config.secretsKeys) return { box: new SecretBox(config.secretsKeys) };
  if (target.kind === 'postgres')
    throw new SecretsKeyError(
      'SECRETS_KEY is not set: with DATABASE_URL every gateway must be given the same key ' +
        '(32 bytes as 64 hex digits or base64, e.g. `openssl rand -hex 32`); see README "Secrets at rest"',
    );
  if (target.dataDir.startsWith('memory://')) return { box: new SecretBox([newSecretsKey()]) };
  const file = keyFileFor(target.dataDir);
  try {
    // O_EXCL: of two first starts, one writes the key and the other reads it.
    fs.writeFileSync(file, `${newSecretsKey().toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { box: new SecretBox(readKeyFile(file)), keyFile: file };
}

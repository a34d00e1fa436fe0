import type { Config } from '../config.js';
import { describeTarget } from '../db/adapter.js';
import { type Database, openDatabase } from '../db/client.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { CliError } from './command.js';

/** The server's database for a CLI command, with errors that say what to do next. */
export async function openCliDatabase(config: Config): Promise<Database> {
  const target = config.database;
  try {
    return await openDatabase(target);
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      throw new CliError(
        `Cannot open the embedded database: ${err.message}\n` +
          'The CLI works on the embedded database only while the server is stopped: stop the server (Ctrl-C), run the command, start the server again.',
      );
    }
    const reason = (err as Error).message.split('\n')[0];
    if (target.kind === 'pglite') {
      throw new CliError(
        `Cannot open the embedded database in ${target.dataDir}: ${reason}\n` +
          'Check that DATA_DIR is the directory the server uses and is writable, and that the server is stopped (PGlite allows one process at a time).',
      );
    }
    throw new CliError(
      `Cannot open ${describeTarget(target)}: ${reason}\nCheck that DATABASE_URL is the one the server uses and that PostgreSQL is running.`,
    );
  }
}

// npm run cli -- <command> [options]: operator commands on the server's own configuration
// and database (same environment variables as `npm start`).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, ConfigError, loadConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { errorCode } from '../errors.js';
import { type CliContext, CliError, type CliIo, type Command, UsageError } from './command.js';
import { createTokenCommand } from './create-token.js';
import { createUserCommand } from './create-user.js';
import { openCliDatabase } from './database.js';
import { rotateSecretsKeyCommand } from './rotate-secrets-key.js';
import { saltTokenCommand } from './salt-token.js';
import { sweepTokensCommand } from './sweep-tokens.js';

export const COMMANDS: Command[] = [
  createUserCommand,
  createTokenCommand,
  sweepTokensCommand,
  saltTokenCommand,
  rotateSecretsKeyCommand,
];

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: npm run cli -- <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `npm run cli -- <command> --help` for its options. Commands use the server's environment",
    '(DATABASE_URL or DATA_DIR, CLUSTER_ID); on the embedded database, stop the server first.',
  ].join('\n');
}

export function commandUsage(cmd: Command): string {
  return [
    `usage: npm run cli -- ${cmd.name} ${cmd.usage}`.trimEnd(),
    cmd.summary,
    ...(cmd.details ? [cmd.details] : []),
  ].join('\n');
}

const stdio: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one command; returns the exit code (0 done, 1 failed, 2 bad usage or configuration). */
export async function runCli(
  argv: string[],
  io: CliIo = stdio,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '') {
    io.err(usage());
    return EXIT_USAGE;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return EXIT_OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    // Echo only what looks like a command name: a mistyped line may start with a token.
    io.err(/^[a-z][a-z-]{0,30}$/.test(name) ? `Unknown command "${name}".\n` : 'Unknown command.\n');
    io.err(usage());
    return EXIT_USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(commandUsage(cmd));
    return EXIT_OK;
  }

  let config: Config | undefined;
  let db: Database | undefined;
  try {
    return await runCommand(cmd, args, {
      io,
      config: () => {
        config ??= loadConfig(env);
        return config;
      },
      database: async () => {
        config ??= loadConfig(env);
        db ??= await openCliDatabase(config);
        return db;
      },
    });
  } finally {
    await db?.close();
  }
}

/** Runs a command in a given context and maps what it throws to a message and an exit code. */
export async function runCommand(cmd: Command, args: string[], ctx: CliContext): Promise<number> {
  const { io } = ctx;
  try {
    await cmd.run(args, ctx);
    return EXIT_OK;
  } catch (err) {
    // Domain validation (a bad email, say) is bad usage too.
    if (err instanceof UsageError || errorCode(err) === 'BAD_USER_INPUT') {
      io.err(`${cmd.name}: ${(err as Error).message}`);
      io.err(`usage: npm run cli -- ${cmd.name} ${cmd.usage}`.trimEnd());
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      io.err(`${err.message} (the CLI reads the same environment as the server)`);
      return EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.err(err.message);
      return EXIT_FAILED;
    }
    io.err(`${cmd.name} failed: ${(err as Error)?.message ?? String(err)}`);
    return EXIT_FAILED;
  }
}

// Run only as the entry point (`tsx src/cli/main.ts`), not when a test imports runCli.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}

import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';

/** Where a command writes: stdout carries only the result (a uuid, a token, a count). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliContext {
  io: CliIo;
  /** The server's configuration, read on first use (salt-token needs none). */
  config(): Config;
  /** The server's database, opened and migrated on first use; closed by main. */
  database(): Promise<Database>;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Arguments after the command name, e.g. `--email E [--admin]`. */
  usage: string;
  /** Longer help: what each option means. */
  details?: string;
  run(args: string[], ctx: CliContext): Promise<void>;
}

/** Wrong arguments: main prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {}

/** The command could not do its job: main prints the message (which says what to do) and exits 1. */
export class CliError extends Error {}

/** node:util parseArgs, strict, with its errors turned into UsageError. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

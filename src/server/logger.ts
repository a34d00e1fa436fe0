import { pino } from 'pino';
import type { LogLevel } from '../config.js';
import type { Logger as LoggerInterface } from '../core/logger.js';

/** Structured log lines (JSON on stderr). Tests swap the sink to capture them. */
export type LogSink = (line: string) => void;

// Defence in depth: nothing should ever hand a token to the logger, but if a message or an
// error ever does, the v2 secret part is cut before the line is written.
const TOKEN_RE = /(v2\/[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{15}\/)[0-9a-zA-Z]+/g;

export function redact(s: string): string {
  return s.replace(TOKEN_RE, '$1[REDACTED]');
}

// Fields that would hold a secret if a caller ever passed one (a header, a token, a mount):
// pino replaces their values, at the top level and one level down.
const SECRET_KEYS = [
  'authorization',
  'token',
  'apiToken',
  'runtimeToken',
  'secret',
  'secretMounts',
  'password',
  'cookie',
];
export const REDACTED_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);

/**
 * pino with our line shape (`time` ISO, `level` by name, `msg`, then the fields; no pid or
 * host: whoever collects the lines knows where they came from), its redaction of the keys
 * above, and our token redaction over the whole line as the last step before the sink.
 */
export class Logger implements LoggerInterface {
  private readonly pino: pino.Logger;

  constructor(
    public sink: LogSink = (line) => process.stderr.write(`${line}\n`),
    // LOG_LEVEL, checked with the rest of the configuration (Config.logLevel).
    minLevel: LogLevel = 'info',
  ) {
    this.pino = pino(
      {
        level: minLevel,
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      },
      // pino writes one line per call, newline included; the sink gets it without.
      { write: (line: string) => this.sink(redact(line.endsWith('\n') ? line.slice(0, -1) : line)) },
    );
  }

  debug(msg: string, fields: Record<string, unknown> = {}) {
    this.pino.debug(fields, msg);
  }
  info(msg: string, fields: Record<string, unknown> = {}) {
    this.pino.info(fields, msg);
  }
  warn(msg: string, fields: Record<string, unknown> = {}) {
    this.pino.warn(fields, msg);
  }
  error(msg: string, fields: Record<string, unknown> = {}) {
    this.pino.error(fields, msg);
  }
}

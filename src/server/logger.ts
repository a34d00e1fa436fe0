import { LOG_LEVELS, type LogLevel } from '../config.js';
import type { Logger as LoggerInterface } from '../core/logger.js';

/** Structured log lines (JSON on stderr). Tests swap the sink to capture them. */
export type LogSink = (line: string) => void;

// Defence in depth: nothing should ever hand a token to the logger, but if a message or an
// error ever does, the v2 secret part is cut before the line is written.
const TOKEN_RE = /(v2\/[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{15}\/)[0-9a-zA-Z]+/g;

export function redact(s: string): string {
  return s.replace(TOKEN_RE, '$1[REDACTED]');
}

export class Logger implements LoggerInterface {
  constructor(
    public sink: LogSink = (line) => process.stderr.write(`${line}\n`),
    // LOG_LEVEL, checked with the rest of the configuration (Config.logLevel).
    private readonly minLevel: LogLevel = 'info',
  ) {}

  private write(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.minLevel)) return;
    this.sink(redact(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })));
  }

  debug(msg: string, fields?: Record<string, unknown>) {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>) {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>) {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>) {
    this.write('error', msg, fields);
  }
}

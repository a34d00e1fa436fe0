// The dispatcher's log: JSON lines on stderr. Callers never pass a token; a v2 secret that
// slipped into a message anyway (an error text, say) is cut before the line is written.
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];
const V2_SECRET = /(v2\/[0-9a-z]{5}-gj3su-[0-9a-z]{15}\/)[0-9A-Za-z]+/g;

export function createLog(
  minLevel: Level,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Log {
  const min = LEVELS.indexOf(minLevel);
  return (level, msg, fields = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    write(
      JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }).replace(
        V2_SECRET,
        '$1[REDACTED]',
      ),
    );
  };
}

import fs from 'node:fs';
import path from 'node:path';

// PGlite happily opens a data directory another process has open (its postmaster.pid holds a
// fixed fake pid), and two writers corrupt it. This lock file makes the second opener fail.
export const LOCK_FILE = 'gateway.lock';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
    readonly lockFile: string,
  ) {
    super(
      `${dataDir} is in use by another process${pid ? ` (pid ${pid})` : ''}, most likely a running gateway server: ` +
        'the embedded database (PGlite) allows one process at a time. Stop that process first, ' +
        `or use PostgreSQL (DATABASE_URL) to share the database. If no such process is running, delete ${lockFile}.`,
    );
    this.name = 'DataDirInUseError';
  }
}

const held = new Set<string>();
let exitHook = false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes `dataDir` for this process, or throws DataDirInUseError. A lock left by a process that
 * no longer runs is taken over. Returns the release function (also run at process exit).
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(path.resolve(dataDir), LOCK_FILE);
  if (held.has(file)) throw new DataDirInUseError(dataDir, process.pid, file);
  // Written in full under a private name, then linked into place: link() fails atomically when
  // the lock exists, and a reader never sees a half-written pid.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.linkSync(tmp, file);
        held.add(file);
        if (!exitHook) {
          exitHook = true;
          process.once('exit', () => {
            for (const f of held) fs.rmSync(f, { force: true });
          });
        }
        return () => {
          if (held.delete(file)) fs.rmSync(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = readPid(file);
        // Our own pid in a lock we do not hold: left by an earlier process that had our pid.
        if (pid !== null && pid !== process.pid && isAlive(pid))
          throw new DataDirInUseError(dataDir, pid, file);
        fs.rmSync(file, { force: true });
      }
    }
    throw new DataDirInUseError(dataDir, readPid(file), file); // lost a race with another opener
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

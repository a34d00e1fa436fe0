import v8 from 'node:v8';
import vm from 'node:vm';

const MB = 1024 * 1024;

/**
 * Full garbage collections now, without starting node with --expose-gc: the flag is set only
 * while one new context is made (which then has gc()), and cleared again, so no other code gets
 * gc(). A WebAssembly instance let go (PGlite's initdb, the schema engine) is freed in steps,
 * the event loop turning between them (weak callbacks, then its memory): collections go on, one
 * per turn, while the last one gave back at least 1 MB, at most `rounds`. Resolves with the
 * number of collections run.
 */
export async function collectGarbage(rounds = 5): Promise<number> {
  v8.setFlagsFromString('--expose-gc');
  let gc: () => void;
  try {
    gc = vm.runInNewContext('gc') as () => void;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  let rss = process.memoryUsage.rss();
  for (let round = 1; ; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const now = process.memoryUsage.rss();
    if (round === rounds || rss - now < MB) return round;
    rss = now;
  }
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/client.js';
import { DataDirInUseError, LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { createUser } from '../../src/domain/users.js';

// The embedded database on disk, as `npm start` uses it (PGlite only: PostgreSQL keeps its own data).
describe('PGlite data directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-restart-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Two opens of a fresh data directory on disk, each through the WASM schema engine: about 30 s
  // alone, over a minute on a loaded 2-core machine; the default 60 s is too tight for it.
  const OPEN_TWICE_MS = 180_000;

  test(
    'a restart keeps the data, and applies no migration twice',
    async () => {
      const dataDir = path.join(dir, 'nested', 'data'); // missing parents are created
      const first = await openDatabase({ kind: 'pglite', dataDir });
      const user = await createUser(first.prisma, 'zzzzz', { email: 'keep@example.com', fullName: 'Kept' });
      await first.close();

      const second = await openDatabase({ kind: 'pglite', dataDir });
      try {
        expect(await second.prisma.user.findUnique({ where: { uuid: user.uuid } })).toMatchObject({
          email: 'keep@example.com',
          fullName: 'Kept',
        });
        const rows = await second.prisma.$queryRaw<
          { count: bigint }[]
        >`SELECT count(*) AS count FROM _prisma_migrations`;
        expect(Number(rows[0]!.count)).toBe(
          fs
            .readdirSync(path.resolve('prisma/migrations'), { withFileTypes: true })
            .filter((d) => d.isDirectory()).length,
        );
      } finally {
        await second.close();
      }
    },
    OPEN_TWICE_MS,
  );

  test('a second opener of a directory in use is refused with what to do, and the first keeps working', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const holder = await openDatabase({ kind: 'pglite', dataDir });
    try {
      const err = await openDatabase({ kind: 'pglite', dataDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirInUseError);
      expect((err as Error).message).toContain('is in use by another gateway process');
      expect((err as Error).message).toContain('Stop that process first');
      expect(await holder.prisma.user.count()).toBe(1);
    } finally {
      await holder.close();
    }
    // Closing released it (taking it over when stale: data-dir-lease.test.ts, one-server.test.ts).
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  });
});

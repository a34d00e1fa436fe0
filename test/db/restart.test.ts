import { spawnSync } from 'node:child_process';
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
      expect((err as Error).message).toContain('in use by another process');
      expect((err as Error).message).toContain('Stop that process first');
      expect(await holder.prisma.user.count()).toBe(1);
    } finally {
      await holder.close();
    }
    // Closing released it.
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  });

  test('a lock left by a process that has exited is taken over', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(dataDir, LOCK_FILE), `${dead}\n`);
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      expect(await db.prisma.user.count()).toBe(1);
    } finally {
      await db.close();
    }
  });

  test('a lock held by another live process is respected', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    // Our parent process stands in for a running server: alive, and not us.
    fs.writeFileSync(path.join(dataDir, LOCK_FILE), `${process.ppid}\n`);
    try {
      await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(`pid ${process.ppid}`);
    } finally {
      fs.rmSync(path.join(dataDir, LOCK_FILE));
    }
  });
});

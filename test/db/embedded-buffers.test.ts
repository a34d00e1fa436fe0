import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAdapter } from '../../src/db/adapter.js';
import { PGLITE_SHARED_BUFFERS } from '../../src/db/pglite-start.js';

// The embedded database's shared buffers are most of an idle server's memory (PGlite touches
// them all at start): the gateway asks for fewer than the data directory's default, at every
// start, without rewriting the directory's own configuration.
test('an embedded data directory opens with the smaller shared buffers, its postgresql.conf untouched', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-buffers-'));
  try {
    for (let start = 0; start < 2; start++) {
      const db = await openAdapter({ kind: 'pglite', dataDir });
      try {
        const { rows } = await db.pglite!.query<{ shared_buffers: string }>('SHOW shared_buffers');
        expect(rows[0]!.shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
      } finally {
        await db.close();
      }
    }
    expect(fs.readFileSync(path.join(dataDir, 'postgresql.conf'), 'utf8')).toMatch(
      /^shared_buffers = 128MB/m,
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

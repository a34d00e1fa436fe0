// npm run db:migration -- <name>
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes a database
// with every existing migration applied to prisma/schema.prisma. Runs offline: the existing
// migrations are replayed on an in-memory PGlite by Prisma's WASM schema engine.
import fs from 'node:fs';
import path from 'node:path';
import { openAdapter } from '../src/db/adapter.js';
import { MIGRATIONS_DIR, PRISMA_DIR, readMigrations } from '../src/db/migrations.js';
import { withSchemaEngine } from '../src/db/schema-engine.js';

const name = (process.argv[2] ?? '').trim();
if (!/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <name>   (lower-case letters, digits and _)');
  process.exit(2);
}

const db = await openAdapter({ kind: 'pglite', dataDir: 'memory://' });
try {
  const existing = readMigrations();
  const schemaPath = path.join(PRISMA_DIR, 'schema.prisma');
  const sql = await withSchemaEngine(db.factory, async (engine) => {
    const result = await engine.diff({
      from: existing.migrationDirectories.length ? { tag: 'migrations', ...existing } : { tag: 'empty' },
      to: {
        tag: 'schemaDatamodel',
        files: [{ path: schemaPath, content: fs.readFileSync(schemaPath, 'utf8') }],
      },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? '';
  });
  if (!sql.trim() || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) {
    console.log('prisma/schema.prisma matches the migrations: nothing to write.');
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
    const lock = path.join(MIGRATIONS_DIR, 'migration_lock.toml');
    if (!fs.existsSync(lock))
      fs.writeFileSync(lock, '# Written by npm run db:migration; keep it in git.\nprovider = "postgresql"\n');
    console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql; review it, then commit it.`);
  }
} finally {
  await db.close();
}
